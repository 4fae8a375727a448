#include "rules/functions.h"

#include <algorithm>
#include <array>

namespace spark::rules {
namespace {

using enum ArgKind;

const std::vector<FunctionSpec>& Table() {
    static const std::vector<FunctionSpec> table = {
        {"sma", Op::kSma, {kNumber, kWindow}, ValueType::kNumber, "simple moving average of x over n bars"},
        {"ema",
         Op::kEma,
         {kNumber, kWindow},
         ValueType::kNumber,
         "exponential moving average, alpha 2/(n+1), SMA seed"},
        {"wma", Op::kWma, {kNumber, kWindow}, ValueType::kNumber, "linearly weighted moving average, newest heaviest"},
        {"rma", Op::kRma, {kNumber, kWindow}, ValueType::kNumber, "Wilder's moving average, alpha 1/n, SMA seed"},
        {"rsi", Op::kRsi, {kNumber, kWindow}, ValueType::kNumber, "relative strength index, Wilder's smoothing"},
        {"roc", Op::kRoc, {kNumber, kWindow}, ValueType::kNumber, "rate of change in percent over n bars"},
        {"stdev", Op::kStdev, {kNumber, kWindow}, ValueType::kNumber, "population standard deviation over n bars"},
        {"atr", Op::kAtr, {kWindow}, ValueType::kNumber, "average true range, Wilder's smoothing"},
        {"highest",
         Op::kHighest,
         {kNumber, kWindow},
         ValueType::kNumber,
         "highest x of the last n bars, this one included"},
        {"lowest",
         Op::kLowest,
         {kNumber, kWindow},
         ValueType::kNumber,
         "lowest x of the last n bars, this one included"},
        {"macd", Op::kMacd, {kNumber, kWindow, kWindow}, ValueType::kNumber, "MACD line: ema(x, fast) - ema(x, slow)"},
        {"macd_signal",
         Op::kMacdSignal,
         {kNumber, kWindow, kWindow, kWindow},
         ValueType::kNumber,
         "MACD signal line: ema of the MACD line over `signal` bars"},
        {"macd_hist",
         Op::kMacdHist,
         {kNumber, kWindow, kWindow, kWindow},
         ValueType::kNumber,
         "MACD line minus its signal line"},
        {"bb_upper",
         Op::kBbUpper,
         {kNumber, kWindow, kConstant},
         ValueType::kNumber,
         "Bollinger upper band: sma + k stdev"},
        {"bb_middle",
         Op::kBbMiddle,
         {kNumber, kWindow},
         ValueType::kNumber,
         "Bollinger middle band: the sma of the window"},
        {"bb_lower",
         Op::kBbLower,
         {kNumber, kWindow, kConstant},
         ValueType::kNumber,
         "Bollinger lower band: sma - k stdev"},
        {"crossover", Op::kCrossover, {kNumber, kNumber}, ValueType::kCondition, "a > b now and a[1] <= b[1]"},
        {"crossunder", Op::kCrossunder, {kNumber, kNumber}, ValueType::kCondition, "a < b now and a[1] >= b[1]"},
        {"rising", Op::kRising, {kNumber, kWindow}, ValueType::kCondition, "x rose on each of the last n bars"},
        {"falling", Op::kFalling, {kNumber, kWindow}, ValueType::kCondition, "x fell on each of the last n bars"},
        {"change", Op::kChange, {kNumber, kWindow}, ValueType::kNumber, "x - x[n]"},
        {"bars_since",
         Op::kBarsSince,
         {kCondition},
         ValueType::kNumber,
         "bars since the condition was last true (0: now)"},
        {"abs", Op::kAbs, {kNumber}, ValueType::kNumber, "absolute value"},
        {"min", Op::kMin, {kNumber, kNumber}, ValueType::kNumber, "the smaller of a and b"},
        {"max", Op::kMax, {kNumber, kNumber}, ValueType::kNumber, "the larger of a and b"},
        {"iff", Op::kIff, {kCondition, kSame, kSame}, ValueType::kNumber, "a where the condition is true, else b"},
        {"htf",
         Op::kHtf,
         {kTimeframe, kSame},
         ValueType::kNumber,
         "x on the higher timeframe's bars, as of the last one closed by this bar's close"},
        {"hour", Op::kHour, {}, ValueType::kNumber, "hour of the bar's open, UTC, 0-23"},
        {"dayofweek", Op::kDayOfWeek, {}, ValueType::kNumber, "day of the bar's open, UTC, 1 = Monday .. 7 = Sunday"},
    };
    return table;
}

constexpr std::array<std::string_view, 8> kPriceSeries = {"open",   "high", "low",  "close",
                                                          "volume", "hl2",  "hlc3", "ohlc4"};
// In the order of kPriceSeries.
constexpr std::array<Price, 8> kPrices = {Price::kOpen,   Price::kHigh, Price::kLow,  Price::kClose,
                                          Price::kVolume, Price::kHl2,  Price::kHlc3, Price::kOhlc4};

}  // namespace

std::string_view ValueTypeName(ValueType type) { return type == ValueType::kNumber ? "a number" : "a condition"; }

std::span<const FunctionSpec> Functions() { return Table(); }

const FunctionSpec* FindFunction(std::string_view name) {
    for (const FunctionSpec& f : Table()) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

std::span<const std::string_view> PriceSeries() { return kPriceSeries; }

bool IsPriceSeries(std::string_view name) { return PriceOf(name).has_value(); }

std::optional<Price> PriceOf(std::string_view name) {
    const auto it = std::find(kPriceSeries.begin(), kPriceSeries.end(), name);
    if (it == kPriceSeries.end()) return std::nullopt;
    return kPrices[static_cast<size_t>(it - kPriceSeries.begin())];
}

bool IsReservedWord(std::string_view name) {
    return IsPriceSeries(name) || FindFunction(name) != nullptr || name == "and" || name == "or" || name == "not" ||
           name == "true" || name == "false";
}

}  // namespace spark::rules
