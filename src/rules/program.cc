#include "rules/program.h"

namespace spark::rules {

OpFamily FamilyOf(Op op) {
    switch (op) {
        case Op::kConstant:
            return OpFamily::kConstant;
        case Op::kPrice:
        case Op::kAtr:
        case Op::kHour:
        case Op::kDayOfWeek:
            return OpFamily::kBars;
        case Op::kShift:
        case Op::kChange:
        case Op::kCrossover:
        case Op::kCrossunder:
        case Op::kRising:
        case Op::kFalling:
        case Op::kBarsSince:
            return OpFamily::kWindowed;
        case Op::kHtf:
            return OpFamily::kHigher;
        default:
            return IsIndicator(op) ? OpFamily::kWindowed : OpFamily::kElementwise;
    }
}

bool IsIndicator(Op op) {
    switch (op) {
        case Op::kSma:
        case Op::kEma:
        case Op::kWma:
        case Op::kRma:
        case Op::kRsi:
        case Op::kRoc:
        case Op::kStdev:
        case Op::kAtr:
        case Op::kHighest:
        case Op::kLowest:
        case Op::kMacd:
        case Op::kMacdSignal:
        case Op::kMacdHist:
        case Op::kBbUpper:
        case Op::kBbMiddle:
        case Op::kBbLower:
            return true;
        default:
            return false;
    }
}

}  // namespace spark::rules
