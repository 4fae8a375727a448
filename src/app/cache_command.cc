// `spark-executor cache list|verify|delete`: what the cache file holds, checked and pruned by an
// operator. DuckDB lets one process hold the file, so these run while the service is stopped.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli_support.h"
#include "app/commands.h"
#include "common/time_format.h"
#include "marketdata/backtest_cache.h"

namespace spark::app {
namespace {

std::string Describe(const SeriesKey& series) {
    return fmt::format("{} {} {}", series.exchange, series.symbol, series.interval);
}

std::string DescribeRanges(const std::vector<TimeRange>& ranges) {
    std::string out;
    for (const TimeRange& r : ranges) {
        out += fmt::format("{}{} .. {}", out.empty() ? "" : ", ", FormatIsoUtc(r.start_ms), FormatIsoUtc(r.end_ms));
    }
    return out.empty() ? "none" : out;
}

std::string OrDash(int64_t epoch_ms) { return epoch_ms < 0 ? "-" : FormatIsoUtc(epoch_ms); }

int List(BacktestCache& cache, bool as_json) {
    Result<std::vector<SeriesInventory>> inventory = cache.Inventory();
    if (!inventory) {
        std::cerr << "spark-executor cache list: " << inventory.error().message << '\n';
        return kExitFailure;
    }
    if (as_json) {
        nlohmann::json out = nlohmann::json::array();
        for (const SeriesInventory& s : *inventory) {
            nlohmann::json coverage = nlohmann::json::array();
            for (const TimeRange& r : s.coverage) {
                coverage.push_back({{"start", FormatIsoUtc(r.start_ms)}, {"end", FormatIsoUtc(r.end_ms)}});
            }
            out.push_back(
                {{"exchange", s.series.exchange},
                 {"symbol", s.series.symbol},
                 {"interval", s.series.interval},
                 {"bars", s.bars},
                 {"firstBar", s.first_open_ms < 0 ? nlohmann::json() : nlohmann::json(FormatIsoUtc(s.first_open_ms))},
                 {"lastBar", s.last_open_ms < 0 ? nlohmann::json() : nlohmann::json(FormatIsoUtc(s.last_open_ms))},
                 {"coverage", coverage},
                 {"sources", s.sources}});
        }
        std::cout << out.dump(2) << '\n';
        return 0;
    }
    if (inventory->empty()) {
        std::cout << "the cache holds no series\n";
        return 0;
    }
    std::cout << fmt::format("{:<16} {:<12} {:<8} {:>9}  {:<20}  {:<20}  {}\n", "EXCHANGE", "SYMBOL", "INTERVAL",
                             "BARS", "FIRST BAR", "LAST BAR", "SOURCES");
    for (const SeriesInventory& s : *inventory) {
        std::cout << fmt::format("{:<16} {:<12} {:<8} {:>9}  {:<20}  {:<20}  {}\n", s.series.exchange, s.series.symbol,
                                 s.series.interval, s.bars, OrDash(s.first_open_ms), OrDash(s.last_open_ms),
                                 fmt::join(s.sources, ","));
        std::cout << fmt::format("  coverage: {}\n", DescribeRanges(s.coverage));
    }
    return 0;
}

struct SeriesFilter {
    std::string exchange;
    std::string symbol;
    std::string interval;

    bool Empty() const { return exchange.empty() && symbol.empty() && interval.empty(); }
    bool Matches(const SeriesKey& key) const {
        return (exchange.empty() || key.exchange == exchange) && (symbol.empty() || key.symbol == symbol) &&
               (interval.empty() || key.interval == interval);
    }
};

int Verify(BacktestCache& cache, const SeriesFilter& filter) {
    Result<std::vector<SeriesInventory>> inventory = cache.Inventory();
    if (!inventory) {
        std::cerr << "spark-executor cache verify: " << inventory.error().message << '\n';
        return kExitFailure;
    }
    size_t checked = 0;
    size_t with_problems = 0;
    for (const SeriesInventory& entry : *inventory) {
        if (!filter.Matches(entry.series)) continue;
        ++checked;
        Result<SeriesVerification> result = cache.Verify(entry.series);
        if (!result) {
            std::cerr << "spark-executor cache verify: " << result.error().message << '\n';
            return kExitFailure;
        }
        const std::string facts = fmt::format("{} bars, {} known gaps, {} short (halt) bars", result->bars,
                                              result->known_gaps, result->short_bars);
        if (result->problems.empty()) {
            std::cout << fmt::format("{}: ok ({})\n", Describe(entry.series), facts);
            continue;
        }
        ++with_problems;
        std::cout << fmt::format("{}: {} PROBLEMS ({})\n", Describe(entry.series), result->problems.size(), facts);
        for (const std::string& problem : result->problems) std::cout << "  " << problem << '\n';
    }
    if (checked == 0 && filter.Empty()) {
        std::cout << "the cache holds no series: nothing to verify\n";
        return 0;
    }
    if (checked == 0) {
        std::cerr << "spark-executor cache verify: no series matches (see 'spark-executor cache list')\n";
        return kExitFailure;
    }
    if (with_problems > 0) {
        std::cout << fmt::format(
            "{} of {} series have problems: delete them ('spark-executor cache delete') and import or fetch them "
            "again\n",
            with_problems, checked);
        return kExitFailure;
    }
    std::cout << fmt::format("{} series verified\n", checked);
    return 0;
}

int Delete(BacktestCache& cache, const SeriesKey& series, const std::string& from, const std::string& to) {
    TimeRange range{0, kMaxEpochMs};
    if (!from.empty()) range.start_ms = ParseTime(from)->epoch_ms;
    if (!to.empty()) {
        const ParsedTime end = *ParseTime(to);
        // As in requests, a bare date as the end means the whole day.
        range.end_ms = end.date_only ? end.epoch_ms + kMillisPerDay : end.epoch_ms;
    }
    if (range.Empty()) {
        std::cerr << "spark-executor cache delete: --from must be before --to\n";
        return kExitUsage;
    }
    Result<DeletedRange> deleted = cache.Delete(series, range);
    if (!deleted) {
        std::cerr << "spark-executor cache delete: " << deleted.error().message << '\n';
        return kExitFailure;
    }
    if (deleted->bars == 0 && deleted->coverage_removed.empty()) {
        std::cerr << fmt::format(
            "spark-executor cache delete: the cache holds nothing for {} in that range (see 'spark-executor cache "
            "list')\n",
            Describe(series));
        return kExitFailure;
    }
    std::cout << fmt::format("{}: deleted {} bars; coverage removed: {}\n", Describe(series), deleted->bars,
                             DescribeRanges(deleted->coverage_removed));
    return 0;
}

}  // namespace

int RunCache(const std::vector<std::string>& args) {
    CLI::App app{"Lists, verifies or deletes what the cache file holds. Stop the service first: it holds the file.",
                 "spark-executor cache"};
    ConfigureCommand(app);
    app.require_subcommand(1);
    std::string db_path = DefaultDbPath();
    app.add_option("--db", db_path, "the cache file (default: $SPARK_DB, else var/spark.duckdb)");

    CLI::App* list = app.add_subcommand("list", "every series: bar count, first and last bar, coverage, sources");
    bool as_json = false;
    list->add_flag("--json", as_json, "print JSON instead of a table");

    CLI::App* verify = app.add_subcommand(
        "verify", "checks every bar (alignment, close time, OHLC, volumes) and the coverage; exit 1 on problems");
    SeriesFilter filter;
    verify->add_option("--exchange", filter.exchange, "only this exchange");
    verify->add_option("--symbol", filter.symbol, "only this symbol");
    verify->add_option("--interval", filter.interval, "only this interval");

    CLI::App* remove =
        app.add_subcommand("delete", "deletes a series' bars and coverage in a range, together in one transaction");
    SeriesKey series{"binance", "", ""};
    std::string from;
    std::string to;
    remove->add_option("--exchange", series.exchange, "binance or binance-futures")
        ->check(CLI::IsMember({"binance", "binance-futures"}));
    remove->add_option("--symbol", series.symbol, "the series' symbol")->required()->check(SymbolValidator());
    remove->add_option("--interval", series.interval, "the series' interval")->required()->check(IntervalValidator());
    remove->add_option("--from", from, "first open time to delete (default: the beginning)")->check(TimeValidator());
    remove->add_option("--to", to, "end of the range, exclusive; a bare date means the whole day (default: the end)")
        ->check(TimeValidator());
    for (CLI::App* sub : {list, verify, remove}) {
        sub->option_defaults()->always_capture_default();
        sub->add_option("--db", db_path, "the cache file (default: $SPARK_DB, else var/spark.duckdb)");
    }
    if (std::optional<int> done = ParseCommandLine(app, args)) return *done;

    const std::string who = fmt::format("spark-executor cache {}", app.get_subcommands().front()->get_name());
    std::unique_ptr<BacktestCache> cache = OpenCacheForCommand(db_path, who, /*must_exist=*/true);
    if (!cache) return kExitFailure;
    if (list->parsed()) return List(*cache, as_json);
    if (verify->parsed()) return Verify(*cache, filter);
    return Delete(*cache, series, from, to);
}

}  // namespace spark::app
