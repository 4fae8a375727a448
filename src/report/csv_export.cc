#include "report/csv_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "common/time_format.h"

namespace spark::report {
namespace {

using nlohmann::json;

//! Builds RFC 4180 text one field at a time.
class CsvWriter {
  public:
    void Field(std::string_view text) {
        if (row_started_) out_ += ',';
        row_started_ = true;
        if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
            out_ += text;
            return;
        }
        out_ += '"';
        for (const char c : text) {
            if (c == '"') out_ += '"';
            out_ += c;
        }
        out_ += '"';
    }

    void EndRow() {
        out_ += "\r\n";
        row_started_ = false;
    }

    std::string Take() { return std::move(out_); }

  private:
    std::string out_;
    bool row_started_ = false;
};

std::string DoubleText(double value) { return std::isfinite(value) ? fmt::format("{}", value) : std::string(); }

//! A time as two fields: ISO-8601 UTC and epoch ms; both empty when the answer has none.
void TimeFields(CsvWriter& csv, std::optional<int64_t> ms) {
    // Only the instants an answer can hold have a calendar date worth writing.
    csv.Field(ms && *ms >= 0 && *ms <= kMaxEpochMs ? FormatIsoUtc(*ms) : std::string());
    csv.Field(ms ? fmt::format("{}", *ms) : std::string());
}

std::string MemberText(const json& object, std::string_view key) {
    const json* value = FindMember(object, key);
    return value == nullptr ? std::string() : ScalarText(*value);
}

//! Appends `list`'s trades under `label`; false when `list` is not an array.
bool AppendTrades(AnswerTrades& out, const json* list, const std::string& label) {
    if (list == nullptr || !list->is_array()) return false;
    for (const json& trade : *list) {
        out.trades.push_back(&trade);
        if (!out.label_column.empty()) out.labels.push_back(label);
    }
    return true;
}

Result<AnswerTrades> RunTrades(const json& answer, AnswerTrades out) {
    if (!AppendTrades(out, FindMember(answer, "trades"), {})) {
        return MakeError(ErrorCode::kInvalidRequest, "the run answer has no trades list");
    }
    return out;
}

Result<AnswerTrades> OptimizeTrades(const json& answer, AnswerTrades out) {
    const json* best = FindMember(answer, "best");
    if (best == nullptr || best->is_null()) {
        return MakeError(ErrorCode::kInvalidRequest,
                         "the optimize answer has no best result (no combination could be ranked), so no trades");
    }
    if (!AppendTrades(out, FindMember(*best, "trades"), {})) {
        return MakeError(ErrorCode::kInvalidRequest, "the optimize answer's best result has no trades list");
    }
    return out;
}

Result<AnswerTrades> WalkForwardTrades(const json& answer, AnswerTrades out) {
    out.label_column = "fold";
    const json* folds = FindMember(answer, "folds");
    if (folds == nullptr || !folds->is_array()) {
        return MakeError(ErrorCode::kInvalidRequest, "the walk-forward answer has no folds list");
    }
    for (size_t k = 0; k < folds->size(); ++k) {
        const json& fold = (*folds)[k];
        const json* number = FindMember(fold, "fold");
        const std::string label = number != nullptr ? ScalarText(*number) : fmt::format("{}", k + 1);
        // A fold that ranked nothing stays in cash out of sample and has no trades.
        AppendTrades(out, FindMember(fold, "trades"), label);
    }
    return out;
}

Result<AnswerTrades> PortfolioTrades(const json& answer, AnswerTrades out) {
    out.label_column = "symbol";
    const json* assets = FindMember(answer, "assets");
    if (assets == nullptr || !assets->is_array()) {
        return MakeError(ErrorCode::kInvalidRequest, "the portfolio answer has no assets list");
    }
    for (const json& asset : *assets) AppendTrades(out, FindMember(asset, "trades"), MemberText(asset, "symbol"));
    return out;
}

const json* EquityListOf(const json& answer, AnswerKind kind) {
    switch (kind) {
        case AnswerKind::kRun:
        case AnswerKind::kPortfolio:
            return FindMember(answer, "equity");
        case AnswerKind::kWalkForward: {
            const json* stitched = FindMember(answer, "outOfSample");
            return stitched == nullptr ? nullptr : FindMember(*stitched, "equity");
        }
        case AnswerKind::kOptimize:
            return nullptr;
    }
    return nullptr;
}

}  // namespace

std::optional<int64_t> TimeMsOf(const json* value) {
    if (value == nullptr) return std::nullopt;
    if (value->is_number_integer()) return value->get<int64_t>();
    if (value->is_number_float()) {
        // Beyond ±kMaxEpochMs no instant is meant, and the conversion could overflow.
        const double ms = value->get<double>();
        if (std::isfinite(ms) && std::abs(ms) <= static_cast<double>(kMaxEpochMs)) return static_cast<int64_t>(ms);
    }
    return std::nullopt;
}

const json* FindMember(const json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(std::string(key));
    return it == object.end() ? nullptr : &*it;
}

Result<AnswerKind> KindOfAnswer(const json& answer) {
    if (!answer.is_object()) return MakeError(ErrorCode::kInvalidRequest, "the stored answer is not a JSON object");
    const auto has = [&answer](std::string_view key) { return FindMember(answer, key) != nullptr; };
    if (has("folds") && has("outOfSample")) return AnswerKind::kWalkForward;
    if (has("topN") && has("best")) return AnswerKind::kOptimize;
    if (has("assets") && has("correlation")) return AnswerKind::kPortfolio;
    if (has("trades") || has("runId")) return AnswerKind::kRun;
    if (has("error")) return MakeError(ErrorCode::kInvalidRequest, "the stored answer is an error, not a result");
    return MakeError(ErrorCode::kInvalidRequest,
                     "the stored answer is not a run, optimize, walk-forward or portfolio answer");
}

std::string_view AnswerKindName(AnswerKind kind) {
    switch (kind) {
        case AnswerKind::kRun:
            return "run";
        case AnswerKind::kOptimize:
            return "optimize";
        case AnswerKind::kWalkForward:
            return "walkforward";
        case AnswerKind::kPortfolio:
            return "portfolio";
    }
    return "run";
}

bool IsFuturesAnswer(const json& answer) {
    const json* futures = FindMember(answer, "futures");
    return futures != nullptr && !futures->is_null();
}

std::string ScalarText(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
        case json::value_t::discarded:
            return {};
        case json::value_t::boolean:
            return value.get<bool>() ? "true" : "false";
        case json::value_t::number_integer:
            return fmt::format("{}", value.get<int64_t>());
        case json::value_t::number_unsigned:
            return fmt::format("{}", value.get<uint64_t>());
        case json::value_t::number_float:
            return DoubleText(value.get<double>());
        case json::value_t::string:
            return value.get<std::string>();
        default:
            return value.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

Result<AnswerTrades> TradesOf(const json& answer) {
    const Result<AnswerKind> kind = KindOfAnswer(answer);
    if (!kind) return std::unexpected(kind.error());
    AnswerTrades out;
    out.futures = IsFuturesAnswer(answer);
    switch (*kind) {
        case AnswerKind::kRun:
            return RunTrades(answer, std::move(out));
        case AnswerKind::kOptimize:
            return OptimizeTrades(answer, std::move(out));
        case AnswerKind::kWalkForward:
            return WalkForwardTrades(answer, std::move(out));
        case AnswerKind::kPortfolio:
            return PortfolioTrades(answer, std::move(out));
    }
    return out;
}

Result<std::vector<EquityPoint>> EquityCurveOf(const json& answer) {
    const Result<AnswerKind> kind = KindOfAnswer(answer);
    if (!kind) return std::unexpected(kind.error());
    if (*kind == AnswerKind::kOptimize) {
        return MakeError(ErrorCode::kInvalidRequest,
                         "an optimize answer has no equity curve (only its best result's metrics and trades): "
                         "run the best parameters with /backtest/run for one");
    }
    const json* list = EquityListOf(answer, *kind);
    if (list == nullptr || list->is_null()) {
        return MakeError(ErrorCode::kInvalidRequest,
                         *kind == AnswerKind::kRun
                             ? "the run answer has no equity curve: it was run with includeEquity false"
                             : fmt::format("the {} answer has no equity curve", AnswerKindName(*kind)));
    }
    if (!list->is_array()) return MakeError(ErrorCode::kInvalidRequest, "the answer's equity curve is not a list");
    std::vector<EquityPoint> points;
    points.reserve(list->size());
    double peak = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < list->size(); ++i) {
        const json& pair = (*list)[i];
        const std::optional<int64_t> time_ms =
            pair.is_array() && pair.size() >= 2 ? TimeMsOf(&pair[0]) : std::optional<int64_t>();
        if (!time_ms) {
            return MakeError(ErrorCode::kInvalidRequest,
                             fmt::format("equity point {} is not a [time, equity] pair", i));
        }
        EquityPoint point{.time_ms = *time_ms,
                          .equity = std::numeric_limits<double>::quiet_NaN(),
                          .drawdown = std::numeric_limits<double>::quiet_NaN()};
        if (pair[1].is_number()) point.equity = pair[1].get<double>();
        if (std::isfinite(point.equity)) {
            peak = std::max(peak, point.equity);
            if (peak > 0) point.drawdown = 1 - point.equity / peak;
        }
        points.push_back(point);
    }
    return points;
}

Result<std::string> TradesCsv(const json& answer) {
    const Result<AnswerTrades> trades = TradesOf(answer);
    if (!trades) return std::unexpected(trades.error());
    struct Column {
        std::string_view key;
        bool time;
    };
    std::vector<Column> columns = {{"side", false},      {"entryTime", true}, {"entryPrice", false}, {"exitTime", true},
                                   {"exitPrice", false}, {"quantity", false}, {"fees", false}};
    if (trades->futures) {
        columns.push_back({"funding", false});
        columns.push_back({"liquidationPrice", false});
    }
    for (const std::string_view key : {"pnl", "return", "exitReason", "open"}) columns.push_back({key, false});

    CsvWriter csv;
    if (!trades->label_column.empty()) csv.Field(trades->label_column);
    for (const Column& column : columns) {
        csv.Field(column.key);
        if (column.time) csv.Field(fmt::format("{}Ms", column.key));
    }
    csv.EndRow();
    for (size_t i = 0; i < trades->trades.size(); ++i) {
        const json& trade = *trades->trades[i];
        if (!trades->label_column.empty()) csv.Field(trades->labels[i]);
        for (const Column& column : columns) {
            if (column.time) {
                TimeFields(csv, TimeMsOf(FindMember(trade, column.key)));
            } else {
                csv.Field(MemberText(trade, column.key));
            }
        }
        csv.EndRow();
    }
    return csv.Take();
}

Result<std::string> EquityCsv(const json& answer) {
    const Result<std::vector<EquityPoint>> curve = EquityCurveOf(answer);
    if (!curve) return std::unexpected(curve.error());
    CsvWriter csv;
    for (const std::string_view name : {"time", "timeMs", "equity", "drawdown"}) csv.Field(name);
    csv.EndRow();
    for (const EquityPoint& point : *curve) {
        TimeFields(csv, point.time_ms);
        csv.Field(DoubleText(point.equity));
        csv.Field(DoubleText(point.drawdown));
        csv.EndRow();
    }
    return csv.Take();
}

Result<std::string> CombinationsCsv(const json& combinations) {
    if (!combinations.is_array()) {
        return MakeError(ErrorCode::kInvalidRequest, "combinations.csv exists for optimize runs only");
    }
    std::set<std::string> param_names;
    std::vector<std::string> metric_names;
    std::set<std::string> metrics_seen;
    for (size_t i = 0; i < combinations.size(); ++i) {
        const json& row = combinations[i];
        if (!row.is_object()) {
            return MakeError(ErrorCode::kInvalidRequest, fmt::format("combination {} is not an object", i));
        }
        if (const json* params = FindMember(row, "params"); params != nullptr && params->is_object()) {
            for (const auto& item : params->items()) param_names.insert(item.key());
        }
        if (const json* metrics = FindMember(row, "metrics"); metrics != nullptr && metrics->is_object()) {
            for (const auto& item : metrics->items()) {
                if (metrics_seen.insert(item.key()).second) metric_names.push_back(item.key());
            }
        }
    }

    CsvWriter csv;
    for (const std::string& name : param_names) csv.Field(name);
    for (const std::string& name : metric_names) csv.Field(name);
    csv.Field("skipped");
    csv.Field("belowMinTrades");
    csv.EndRow();
    const json no_object = json::object();
    for (const json& row : combinations) {
        const json* params = FindMember(row, "params");
        const json* metrics = FindMember(row, "metrics");
        for (const std::string& name : param_names) csv.Field(MemberText(params ? *params : no_object, name));
        for (const std::string& name : metric_names) csv.Field(MemberText(metrics ? *metrics : no_object, name));
        csv.Field(MemberText(row, "skipped"));
        csv.Field(MemberText(row, "belowMinTrades"));
        csv.EndRow();
    }
    return csv.Take();
}

}  // namespace spark::report
