#include "report/tearsheet.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/csv_export.h"
#include "report/html_text.h"
#include "report/monthly_returns.h"
#include "report/svg_chart.h"

namespace spark::report {
namespace {

using nlohmann::json;

constexpr size_t kMaxTableTrades = 500;
constexpr size_t kMaxMarkedTrades = 2000;
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
//! Metrics that are fractions, shown as percentages beside their value.
constexpr std::array<std::string_view, 10> kFractionMetrics = {
    "avgTradeReturn", "bestTrade",   "buyAndHoldReturn", "cagr",    "exposure",
    "maxDrawdown",    "totalReturn", "volatility",       "winRate", "worstTrade"};

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px;color:#1f2328;
font-size:13px;line-height:1.4}
h1{font-size:20px;margin:0 0 6px}
h2{font-size:15px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:3px}
section{break-inside:avoid;page-break-inside:avoid}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:4px 0}
th,td{border:1px solid #d0d7de;padding:2px 6px;text-align:right;vertical-align:top}
th{background:#f6f8fa}
.l{text-align:left}
.meta th,.meta td{border:none;background:none;text-align:left;padding:1px 14px 1px 0}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;white-space:pre-wrap;word-break:break-word;font-size:11px}
svg{display:block;width:100%;max-width:960px;height:auto}
.grid{stroke:#d0d7de;stroke-width:0.6}
.axis{font-size:10px;fill:#57606a}
.band{fill:#0969da;fill-opacity:0.12;stroke:none}
.close{fill:none;stroke:#0969da;stroke-width:1}
.up,.down{fill:none;stroke-width:1}
.up{stroke:#1a7f37}
.down{stroke:#cf222e}
.long{fill:#1a7f37}
.short{fill:#cf222e}
.exit{fill:#ffffff;stroke:#1f2328;stroke-width:1}
.equity{fill:none;stroke:#0969da;stroke-width:1.2}
.dd{fill:#cf222e;fill-opacity:0.35;stroke:#cf222e;stroke-width:0.8}
.heat td{min-width:46px}
.note{color:#57606a;font-style:italic}
.warn{color:#9a6700}
@page{size:A4 landscape;margin:12mm}
@media print{body{margin:0;font-size:10px}h2{break-after:avoid;page-break-after:avoid}tr{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}svg{max-width:100%}}
)";

std::string ParamsText(const json* params) {
    if (params == nullptr || !params->is_object()) return TextOf(params);
    std::vector<std::string> parts;
    for (const auto& item : params->items())
        parts.push_back(fmt::format("{}={}", item.key(), ScalarText(item.value())));
    return Join(parts, ", ");
}

//! `sma_cross(fast=10, slow=30)` for a built-in; the entry rule for rules.
std::string StrategyLabel(const json* strategy) {
    if (strategy == nullptr) return "?";
    if (!strategy->is_object()) return ScalarText(*strategy);
    if (const json* name = FindMember(*strategy, "name"); name != nullptr && name->is_string()) {
        const json* params = FindMember(*strategy, "params");
        if (params == nullptr || !params->is_object() || params->empty()) return name->get<std::string>();
        return fmt::format("{}({})", name->get<std::string>(), ParamsText(params));
    }
    const json* entry = FindMember(*strategy, "entry");
    return entry != nullptr && entry->is_string() ? "rules, entry: " + entry->get<std::string>() : "rules";
}

//! What the page is about, in plain text (escaped where it is written).
struct Heading {
    std::string route;
    std::string symbols;
    std::string timeframe;
    std::string exchange;
    std::string range;
    std::string strategy;
};

std::string_view RouteTitle(AnswerKind kind) {
    switch (kind) {
        case AnswerKind::kRun:
            return "Backtest run";
        case AnswerKind::kOptimize:
            return "Optimization";
        case AnswerKind::kWalkForward:
            return "Walk-forward";
        case AnswerKind::kPortfolio:
            return "Portfolio";
    }
    return "Backtest";
}

Heading HeadingOf(const json& answer, AnswerKind kind) {
    const json* request = FindMember(answer, "request");
    const json& r = request != nullptr ? *request : answer;
    Heading h;
    h.route = RouteTitle(kind);
    h.timeframe = TextOf(FindMember(r, "timeframe"));
    h.exchange = TextOf(FindMember(r, "exchange"));
    const std::optional<int64_t> start = TimeMsOf(FindMember(r, "startTime"));
    const std::optional<int64_t> end = TimeMsOf(FindMember(r, "endTimeExclusive"));
    h.range = start && end ? fmt::format("{} to {} (exclusive)", IsoOf(start), IsoOf(end))
                           : fmt::format("{} to {}", TextOf(FindMember(r, "start")), TextOf(FindMember(r, "end")));
    if (const json* assets = FindMember(r, "assets"); assets != nullptr && assets->is_array()) {
        std::vector<std::string> symbols;
        std::vector<std::string> strategies;
        for (const json& asset : *assets) {
            symbols.push_back(TextOf(FindMember(asset, "symbol")));
            strategies.push_back(fmt::format("{}: {}", symbols.back(), StrategyLabel(FindMember(asset, "strategy"))));
        }
        h.symbols = Join(symbols, ", ");
        h.strategy = Join(strategies, "; ");
    } else {
        h.symbols = TextOf(FindMember(r, "symbol"));
        h.strategy = StrategyLabel(FindMember(r, "strategy"));
    }
    return h;
}

void OpenDocument(std::string& out, const Heading& h) {
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    Append(out, "<title>{} tearsheet: {} {}</title>\n<style>{}</style>\n</head>\n<body>\n", Escape(h.route),
           Escape(h.symbols), Escape(h.timeframe), kStyle);
}

void MetaRow(std::string& out, std::string_view name, std::string_view escaped_value) {
    Append(out, "<tr><th>{}</th><td>{}</td></tr>\n", name, escaped_value);
}

void HeaderSection(std::string& out, const Heading& h, const json& answer) {
    Append(out, "<header>\n<h1>{} tearsheet: {}</h1>\n<table class=\"meta\">\n", Escape(h.route), Escape(h.symbols));
    MetaRow(out, "Strategy", Escape(h.strategy));
    MetaRow(out, "Timeframe", Escape(h.timeframe));
    MetaRow(out, "Exchange", Escape(h.exchange));
    MetaRow(out, "Range", Escape(h.range));
    if (const json* run_id = FindMember(answer, "runId")) MetaRow(out, "Run", Cell(run_id));
    if (const json* count = Path(answer, {"bars", "count"})) MetaRow(out, "Bars", Cell(count));
    if (const json* bars = Path(answer, {"timeline", "bars"})) MetaRow(out, "Timeline bars", Cell(bars));
    out += "</table>\n";
    const json* warnings = FindMember(answer, "warnings");
    if (warnings != nullptr && warnings->is_array() && !warnings->empty()) {
        out += "<ul class=\"warn\">\n";
        for (const json& w : *warnings) {
            Append(out, "<li><b>{}</b>: {}</li>\n", Escape(TextOf(FindMember(w, "code"))),
                   Escape(TextOf(FindMember(w, "message"))));
        }
        out += "</ul>\n";
    }
    out += "</header>\n";
}

void Note(std::string& out, std::string_view text) { Append(out, "<p class=\"note\">{}</p>\n", Escape(text)); }

//! Rows `key | value` for every member, nested objects flattened into dotted keys.
void KeyValueRows(std::string& out, const json& object, const std::string& prefix) {
    for (const auto& item : object.items()) {
        const std::string key = prefix.empty() ? item.key() : prefix + "." + item.key();
        if (item.value().is_object() && !item.value().empty()) {
            KeyValueRows(out, item.value(), key);
        } else {
            Append(out, "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td></tr>\n", Escape(key), Cell(&item.value()));
        }
    }
}

void KeyValueSection(std::string& out, std::string_view title, const json* object, std::string_view missing) {
    Append(out, "<section>\n<h2>{}</h2>\n", title);
    if (object == nullptr || !object->is_object()) {
        Note(out, missing);
    } else {
        out += "<table>\n";
        KeyValueRows(out, *object, {});
        out += "</table>\n";
    }
    out += "</section>\n";
}

void MetricsSection(std::string& out, std::string_view title, const json* metrics, std::string_view missing) {
    Append(out, "<section>\n<h2>{}</h2>\n", title);
    if (metrics == nullptr || !metrics->is_object()) {
        Note(out, missing);
        out += "</section>\n";
        return;
    }
    out += "<table>\n<tr><th class=\"l\">metric</th><th>value</th><th>%</th></tr>\n";
    for (const auto& item : metrics->items()) {
        const bool fraction =
            std::find(kFractionMetrics.begin(), kFractionMetrics.end(), item.key()) != kFractionMetrics.end();
        const std::optional<double> number = NumberOf(&item.value());
        Append(out, "<tr><th class=\"l\">{}</th><td>{}</td><td>{}</td></tr>\n", Escape(item.key()), Cell(&item.value()),
               fraction && number ? fmt::format("{:.2f}%", *number * 100) : std::string());
    }
    out += "</table>\n</section>\n";
}

//! ▲ long entry / ▼ short entry at the fill, ● at the exit (not for a trade still open). Returns
//! how many trades were marked.
size_t TradeMarkers(std::string& out, const Frame& f, const AnswerTrades& trades, std::string_view only_label) {
    size_t marked = 0;
    for (size_t i = 0; i < trades.trades.size() && marked < kMaxMarkedTrades; ++i) {
        if (!only_label.empty() && trades.labels[i] != only_label) continue;
        const json& trade = *trades.trades[i];
        const auto inside = [&f](std::optional<int64_t> t) { return t && *t >= f.t0 && *t <= f.t1; };
        const std::optional<int64_t> entry_time = TimeMsOf(FindMember(trade, "entryTime"));
        const std::optional<double> entry_price = NumberOf(FindMember(trade, "entryPrice"));
        if (!inside(entry_time) || !entry_price) continue;
        const bool is_short = TextOf(FindMember(trade, "side")) == "short";
        Append(out, "<path class=\"{}\" d=\"M{:.1f} {:.1f}l-4 {}h8z\"/>", is_short ? "short" : "long", f.X(*entry_time),
               f.Y(*entry_price), is_short ? -8 : 8);
        const std::optional<int64_t> exit_time = TimeMsOf(FindMember(trade, "exitTime"));
        const std::optional<double> exit_price = NumberOf(FindMember(trade, "exitPrice"));
        const json* open = FindMember(trade, "open");
        const bool still_open = open != nullptr && open->is_boolean() && open->get<bool>();
        if (!still_open && inside(exit_time) && exit_price) {
            Append(out, "<circle class=\"exit\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\"/>", f.X(*exit_time),
                   f.Y(*exit_price));
        }
        out += '\n';
        ++marked;
    }
    return marked;
}

void PriceSection(std::string& out, std::span<const Candle> bars, const AnswerTrades* trades,
                  std::string_view only_label) {
    out += "<section>\n<h2>Price</h2>\n";
    if (bars.empty()) {
        Note(out, "The price bars were not available for this report.");
        out += "</section>\n";
        return;
    }
    const std::vector<Candle> shown = DownsampleBars(bars, kMaxChartPoints);
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (const Candle& c : shown) {
        lo = std::min(lo, c.low);
        hi = std::max(hi, c.high);
    }
    // The last bucket starts at its first bar: the frame runs to the last bar, so its trades show.
    const Frame f = MakeFrame(kPriceHeight, shown.front().open_time_ms, bars.back().open_time_ms, lo, hi, 0.03);
    OpenChart(out, f, "price", AxisUnit::kNumber);
    if (shown.size() <= kMaxOhlcBars) {
        const double tick = std::clamp((kChartWidth - kPadLeft - kPadRight) / shown.size() * 0.35, 0.5, 4.0);
        for (const Candle& c : shown) {
            const double x = f.X(c.open_time_ms);
            Append(out, "<path class=\"{}\" d=\"M{:.1f} {:.1f}V{:.1f}M{:.1f} {:.1f}H{:.1f}M{:.1f} {:.1f}H{:.1f}\"/>\n",
                   c.close >= c.open ? "up" : "down", x, f.Y(c.high), f.Y(c.low), x - tick, f.Y(c.open), x, x,
                   f.Y(c.close), x + tick);
        }
    } else {
        out += "<polygon class=\"band\" points=\"";
        for (const Candle& c : shown) Append(out, "{:.1f},{:.1f} ", f.X(c.open_time_ms), f.Y(c.high));
        for (auto c = shown.rbegin(); c != shown.rend(); ++c) {
            Append(out, "{:.1f},{:.1f} ", f.X(c->open_time_ms), f.Y(c->low));
        }
        out += "\"/>\n<polyline class=\"close\" points=\"";
        for (const Candle& c : shown) Append(out, "{:.1f},{:.1f} ", f.X(c.open_time_ms), f.Y(c.close));
        out += "\"/>\n";
    }
    const size_t marked = trades == nullptr ? 0 : TradeMarkers(out, f, *trades, only_label);
    out += "</svg>\n";
    Append(out,
           "<p class=\"note\">{} bars{}; &#9650; long entry, &#9660; short entry, &#9679; exit ({} trades "
           "marked{}).</p>\n",
           bars.size(), shown.size() < bars.size() ? fmt::format(", drawn as {} buckets", shown.size()) : "", marked,
           only_label.empty() ? std::string() : fmt::format(", those of {}", Escape(only_label)));
    out += "</section>\n";
}

void EquitySection(std::string& out, const Result<std::vector<EquityPoint>>& curve) {
    out += "<section>\n<h2>Equity and drawdown</h2>\n";
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    double deepest = 0;
    if (curve) {
        for (const EquityPoint& p : *curve) {
            if (std::isfinite(p.equity)) {
                lo = std::min(lo, p.equity);
                hi = std::max(hi, p.equity);
            }
            if (std::isfinite(p.drawdown)) deepest = std::max(deepest, p.drawdown);
        }
    }
    if (!curve || lo > hi) {
        Note(out, curve ? "The equity curve has no values." : curve.error().message);
        out += "</section>\n";
        return;
    }
    const std::vector<EquityPoint> shown = DownsampleEquity(*curve, kMaxChartPoints);
    const int64_t t0 = shown.front().time_ms;
    const int64_t t1 = shown.back().time_ms;
    const Frame ef = MakeFrame(kEquityHeight, t0, t1, lo, hi, 0.05);
    OpenChart(out, ef, "equity", AxisUnit::kNumber);
    out += "<polyline class=\"equity\" points=\"";
    for (const EquityPoint& p : shown) {
        if (std::isfinite(p.equity)) Append(out, "{:.1f},{:.1f} ", ef.X(p.time_ms), ef.Y(p.equity));
    }
    out += "\"/>\n</svg>\n";

    const Frame df{kDrawdownHeight, t0, t1, -std::max(deepest * 100, 1.0), 0};
    OpenChart(out, df, "drawdown", AxisUnit::kPercent);
    Append(out, "<path class=\"dd\" d=\"M{:.1f} {:.1f}", df.X(t0), df.Y(0));
    for (const EquityPoint& p : shown) {
        Append(out, "L{:.1f} {:.1f}", df.X(p.time_ms), df.Y(std::isfinite(p.drawdown) ? -p.drawdown * 100 : 0));
    }
    Append(out, "L{:.1f} {:.1f}Z\"/>\n</svg>\n", df.X(t1), df.Y(0));
    Append(out, "<p class=\"note\">{} points{}; deepest drawdown {:.2f}%.</p>\n", curve->size(),
           shown.size() < curve->size() ? fmt::format(", drawn as {}", shown.size()) : "", deepest * 100);
    out += "</section>\n";
}

//! White to green for gains, white to red for losses, by the size against `scale`.
std::string HeatColour(double value, double scale) {
    const double k = std::clamp(std::abs(value) / scale, 0.0, 1.0);
    const auto mix = [k](int to) { return static_cast<int>(std::lround(255 + (to - 255) * k)); };
    return value >= 0 ? fmt::format("#{:02x}{:02x}{:02x}", mix(99), mix(190), mix(123))
                      : fmt::format("#{:02x}{:02x}{:02x}", mix(248), mix(105), mix(107));
}

void HeatCell(std::string& out, std::optional<double> value, double scale) {
    if (!value || !std::isfinite(*value)) {
        out += "<td></td>";
        return;
    }
    Append(out, "<td style=\"background:{}\">{:+.1f}%</td>", HeatColour(*value, scale), *value * 100);
}

void MonthlySection(std::string& out, const Result<std::vector<EquityPoint>>& curve, std::optional<double> initial) {
    out += "<section>\n<h2>Monthly returns</h2>\n";
    if (!curve || curve->empty()) {
        Note(out, curve ? "The equity curve is empty." : curve.error().message);
        out += "</section>\n";
        return;
    }
    if (!initial) {
        for (const EquityPoint& p : *curve) {
            if (std::isfinite(p.equity)) {
                initial = p.equity;
                break;
            }
        }
    }
    const MonthlyReturns returns = MonthlyReturnsOf(*curve, initial.value_or(0));
    double scale = 1e-12;
    for (const auto& month : returns.months) {
        if (std::isfinite(month.second)) scale = std::max(scale, std::abs(month.second));
    }
    out += "<table class=\"heat\">\n<tr><th></th>";
    for (const std::string_view name : kMonthNames) Append(out, "<th>{}</th>", name);
    out += "<th>Year</th></tr>\n";
    for (const auto& [year, year_return] : returns.years) {
        Append(out, "<tr><th>{}</th>", year);
        for (int64_t month = 0; month < 12; ++month) {
            const auto it = returns.months.find(year * 12 + month);
            HeatCell(out, it == returns.months.end() ? std::nullopt : std::optional<double>(it->second), scale);
        }
        HeatCell(out, year_return, scale);
        out += "</tr>\n";
    }
    out += "</table>\n";
    Note(out,
         "By UTC calendar month: the month's last equity over the previous month's, the first month against "
         "the initial cash.");
    out += "</section>\n";
}

void TradesSection(std::string& out, const Result<AnswerTrades>& trades) {
    out += "<section>\n<h2>Trades</h2>\n";
    if (!trades) {
        Note(out, trades.error().message);
        out += "</section>\n";
        return;
    }
    const bool labelled = !trades->label_column.empty();
    out += "<table>\n<tr><th>#</th>";
    if (labelled) Append(out, "<th class=\"l\">{}</th>", trades->label_column);
    out +=
        "<th class=\"l\">side</th><th class=\"l\">entry</th><th>entry price</th><th class=\"l\">exit</th>"
        "<th>exit price</th><th>quantity</th><th>fees</th>";
    if (trades->futures) out += "<th>funding</th><th>liquidation price</th>";
    out += "<th>pnl</th><th>return</th><th class=\"l\">exit reason</th><th class=\"l\">open</th></tr>\n";
    const size_t shown = std::min(trades->trades.size(), kMaxTableTrades);
    for (size_t i = 0; i < shown; ++i) {
        const json& t = *trades->trades[i];
        const auto cell = [&t](std::string_view key) { return Cell(FindMember(t, key)); };
        Append(out, "<tr><td>{}</td>", i + 1);
        if (labelled) Append(out, "<td class=\"l\">{}</td>", Escape(trades->labels[i]));
        Append(out, "<td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td><td>{}</td>",
               cell("side"), IsoOf(TimeMsOf(FindMember(t, "entryTime"))), cell("entryPrice"),
               IsoOf(TimeMsOf(FindMember(t, "exitTime"))), cell("exitPrice"));
        Append(out, "<td>{}</td><td>{}</td>", cell("quantity"), cell("fees"));
        if (trades->futures) Append(out, "<td>{}</td><td>{}</td>", cell("funding"), cell("liquidationPrice"));
        const std::optional<double> ret = NumberOf(FindMember(t, "return"));
        Append(out, "<td>{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>\n", cell("pnl"),
               ret ? fmt::format("{:+.2f}%", *ret * 100) : std::string("&mdash;"), cell("exitReason"), cell("open"));
    }
    out += "</table>\n";
    if (trades->trades.size() > shown) {
        Note(out, fmt::format("{} more trades are not shown here (trades.csv has them all).",
                              trades->trades.size() - shown));
    } else {
        Note(out, fmt::format("{} trades.", trades->trades.size()));
    }
    out += "</section>\n";
}

void TopNSection(std::string& out, const json& answer) {
    const json* top = FindMember(answer, "topN");
    if (top == nullptr || !top->is_array() || top->empty()) return;
    out +=
        "<section>\n<h2>Top combinations</h2>\n<table>\n<tr><th>rank</th><th class=\"l\">params</th>"
        "<th>objective</th><th>totalReturn</th><th>sharpe</th><th>maxDrawdown</th><th>numTrades</th></tr>\n";
    for (const json& row : *top) {
        Append(out, "<tr><td>{}</td><td class=\"l\">{}</td><td>{}</td>", Cell(FindMember(row, "rank")),
               Escape(ParamsText(FindMember(row, "params"))), Cell(FindMember(row, "objective")));
        for (const std::string_view key : {"totalReturn", "sharpe", "maxDrawdown", "numTrades"}) {
            Append(out, "<td>{}</td>", Cell(Path(row, {"metrics", key})));
        }
        out += "</tr>\n";
    }
    out += "</table>\n</section>\n";
}

void OptimizeSections(std::string& out, const json& answer) {
    KeyValueSection(out, "Best parameters", Path(answer, {"best", "params"}),
                    "No combination could be ranked: there is no best result.");
    json search = json::object();
    for (const std::string_view key : {"evaluated", "skipped", "belowMinTrades", "cancelled", "concurrency"}) {
        if (const json* value = FindMember(answer, key)) search[std::string(key)] = *value;
    }
    KeyValueSection(out, "Search", &search, {});
    KeyValueSection(out, "Overfitting guard", FindMember(answer, "overfitting"),
                    "Not computed: nothing could be ranked.");
    TopNSection(out, answer);
}

std::string WindowText(const json* window) {
    if (window == nullptr) return "&mdash;";
    return fmt::format("{} to {} ({} bars)", IsoOf(TimeMsOf(FindMember(*window, "start"))),
                       IsoOf(TimeMsOf(FindMember(*window, "endExclusive"))), Cell(FindMember(*window, "bars")));
}

void WalkForwardSections(std::string& out, const json& answer) {
    KeyValueSection(out, "Verdict", FindMember(answer, "verdict"), "The answer has no verdict.");
    const json* folds = FindMember(answer, "folds");
    if (folds == nullptr || !folds->is_array()) return;
    out +=
        "<section>\n<h2>Folds</h2>\n<table>\n<tr><th>fold</th><th class=\"l\">in sample</th>"
        "<th class=\"l\">out of sample</th><th>evaluated</th><th class=\"l\">params</th><th>in-sample CAGR</th>"
        "<th>out-of-sample CAGR</th><th>out-of-sample return</th><th>efficiency</th><th>trades</th></tr>\n";
    for (const json& fold : *folds) {
        const json* trades = FindMember(fold, "trades");
        Append(out, "<tr><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td>",
               Cell(FindMember(fold, "fold")), WindowText(FindMember(fold, "inSample")),
               WindowText(FindMember(fold, "outOfSample")), Cell(FindMember(fold, "evaluated")),
               Escape(ParamsText(FindMember(fold, "params"))));
        Append(out, "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
               Cell(Path(fold, {"inSampleMetrics", "cagr"})), Cell(Path(fold, {"outOfSampleMetrics", "cagr"})),
               Cell(Path(fold, {"outOfSampleMetrics", "totalReturn"})), Cell(FindMember(fold, "efficiency")),
               trades != nullptr && trades->is_array() ? fmt::format("{}", trades->size()) : std::string("0"));
    }
    out += "</table>\n</section>\n";
}

void PortfolioSections(std::string& out, const json& answer) {
    KeyValueSection(out, "Rebalancing", FindMember(answer, "rebalancing"), "The answer has no rebalancing summary.");
    const json* assets = FindMember(answer, "assets");
    if (assets != nullptr && assets->is_array()) {
        out +=
            "<section>\n<h2>Assets</h2>\n<table>\n<tr><th class=\"l\">symbol</th><th>weight</th>"
            "<th>contribution</th><th>final equity</th><th>totalReturn</th><th>cagr</th><th>sharpe</th>"
            "<th>maxDrawdown</th><th>numTrades</th><th>missing on timeline</th></tr>\n";
        for (const json& asset : *assets) {
            Append(out, "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td>",
                   Cell(FindMember(asset, "symbol")), Cell(FindMember(asset, "weight")),
                   Cell(FindMember(asset, "contribution")), Cell(FindMember(asset, "finalEquity")));
            for (const std::string_view key : {"totalReturn", "cagr", "sharpe", "maxDrawdown", "numTrades"}) {
                Append(out, "<td>{}</td>", Cell(Path(asset, {"metrics", key})));
            }
            Append(out, "<td>{}</td></tr>\n", Cell(FindMember(asset, "missingOnTimeline")));
        }
        out += "</table>\n</section>\n";
    }
    const json* symbols = Path(answer, {"correlation", "symbols"});
    const json* matrix = Path(answer, {"correlation", "matrix"});
    if (symbols == nullptr || matrix == nullptr || !symbols->is_array() || !matrix->is_array()) return;
    out += "<section>\n<h2>Correlation of bar returns</h2>\n<table>\n<tr><th></th>";
    for (const json& symbol : *symbols) Append(out, "<th>{}</th>", Cell(&symbol));
    out += "</tr>\n";
    for (size_t i = 0; i < matrix->size(); ++i) {
        Append(out, "<tr><th class=\"l\">{}</th>", i < symbols->size() ? Cell(&(*symbols)[i]) : std::string());
        const json& row = (*matrix)[i];
        if (row.is_array()) {
            for (const json& value : row) {
                const std::optional<double> number = NumberOf(&value);
                Append(out, "<td>{}</td>", number ? fmt::format("{:.3f}", *number) : std::string("&mdash;"));
            }
        }
        out += "</tr>\n";
    }
    out += "</table>\n</section>\n";
}

void RequestSection(std::string& out, const json& answer) {
    out += "<section>\n<h2>Request</h2>\n";
    const json* request = FindMember(answer, "request");
    if (request == nullptr) {
        Note(out, "The answer does not echo its request.");
    } else {
        Append(out, "<pre>{}</pre>\n", Escape(request->dump(2, ' ', false, json::error_handler_t::replace)));
    }
    out += "</section>\n";
}

std::string FirstAssetSymbol(const json& answer) {
    const json* assets = Path(answer, {"request", "assets"});
    if (assets == nullptr || !assets->is_array() || assets->empty()) return {};
    return TextOf(FindMember(assets->front(), "symbol"));
}

const json* MetricsOf(const json& answer, AnswerKind kind) {
    switch (kind) {
        case AnswerKind::kRun:
        case AnswerKind::kPortfolio:
            return FindMember(answer, "metrics");
        case AnswerKind::kOptimize:
            return Path(answer, {"best", "metrics"});
        case AnswerKind::kWalkForward:
            return Path(answer, {"outOfSample", "metrics"});
    }
    return nullptr;
}

std::string_view MetricsTitle(AnswerKind kind) {
    switch (kind) {
        case AnswerKind::kOptimize:
            return "Metrics of the best combination";
        case AnswerKind::kWalkForward:
            return "Metrics of the stitched out-of-sample curve";
        case AnswerKind::kPortfolio:
            return "Portfolio metrics";
        case AnswerKind::kRun:
            break;
    }
    return "Metrics";
}

}  // namespace

std::string Tearsheet(const json& answer, std::span<const Candle> bars) {
    std::string out;
    out.reserve(64 * 1024 + bars.size() * 24);
    const Result<AnswerKind> kind = KindOfAnswer(answer);
    if (!kind) {
        Heading unknown;
        unknown.route = "Backtest";
        OpenDocument(out, unknown);
        out += "<h1>No tearsheet</h1>\n";
        Note(out, kind.error().message);
        out += "</body>\n</html>\n";
        return out;
    }
    const Heading heading = HeadingOf(answer, *kind);
    OpenDocument(out, heading);
    HeaderSection(out, heading, answer);
    MetricsSection(out, MetricsTitle(*kind), MetricsOf(answer, *kind), "The answer has no metrics.");

    const Result<AnswerTrades> trades = TradesOf(answer);
    // A portfolio's bars are one asset's: mark only that asset's trades on them.
    const std::string only_label = *kind == AnswerKind::kPortfolio ? FirstAssetSymbol(answer) : std::string();
    PriceSection(out, bars, trades ? &*trades : nullptr, only_label);
    const Result<std::vector<EquityPoint>> curve = EquityCurveOf(answer);
    EquitySection(out, curve);
    MonthlySection(out, curve, NumberOf(Path(answer, {"request", "initialCash"})));

    switch (*kind) {
        case AnswerKind::kOptimize:
            OptimizeSections(out, answer);
            break;
        case AnswerKind::kWalkForward:
            WalkForwardSections(out, answer);
            break;
        case AnswerKind::kPortfolio:
            PortfolioSections(out, answer);
            break;
        case AnswerKind::kRun:
            break;
    }
    TradesSection(out, trades);
    RequestSection(out, answer);
    KeyValueSection(out, "Semantics", FindMember(answer, "semantics"), "The answer has no semantics block.");
    out += "</body>\n</html>\n";
    return out;
}

}  // namespace spark::report
