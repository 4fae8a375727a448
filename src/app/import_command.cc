// `spark-executor import`: Binance kline files, or with --funding USD-M funding-rate dumps, into the
// cache, checked before anything is written.
#include <fmt/format.h>

#include <iostream>
#include <string_view>

#include "app/cli_support.h"
#include "app/commands.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/funding_import.h"
#include "marketdata/funding_loader.h"
#include "marketdata/kline_import.h"

namespace spark::app {
namespace {

constexpr size_t kRejectedShown = 20;

void PrintRows(const std::string& file, int64_t lines_read, int64_t imported, const std::vector<RejectedRow>& rejected,
               const std::vector<std::string>& notes, std::string_view what = "bars") {
    std::cerr << fmt::format("{}: {} lines, {} {} imported, {} rejected\n", file, lines_read, imported, what,
                             rejected.size());
    for (size_t i = 0; i < rejected.size() && i < kRejectedShown; ++i) {
        std::cerr << fmt::format("  rejected line {}: {}\n", rejected[i].line, rejected[i].reason);
    }
    if (rejected.size() > kRejectedShown) {
        std::cerr << fmt::format("  ... and {} more rejected rows\n", rejected.size() - kRejectedShown);
    }
    for (size_t i = 0; i < notes.size() && i < kRejectedShown; ++i) std::cerr << "  note: " << notes[i] << '\n';
    if (notes.size() > kRejectedShown) {
        std::cerr << fmt::format("  ... and {} more notes\n", notes.size() - kRejectedShown);
    }
}

//! A usage error found after parsing, reported as ParseCommandLine reports its own (exit 2).
int UsageError(const CLI::App& app, const std::string& reason) {
    std::cerr << fmt::format("{}: {}\nRun '{} --help' for the options.\n", app.get_name(), reason, app.get_name());
    return kExitUsage;
}

//! The flow every import shares: first every file is checked, keeping only its report, so
//! memory holds one file's rows at a time; nothing is written unless every file passes. Then
//! each is read again and stored, in its own transaction. `check(file)` gives a prepared import
//! (file, lines_read, rejected, refusal), `store(cache, file)` an ImportReport.
template <typename Check, typename Store>
int CheckEveryFileThenStore(const std::vector<std::string>& files, const std::string& db_path, std::string_view what,
                            Check check, Store store) {
    bool refused = false;
    for (const std::string& file : files) {
        auto checked = check(file);
        if (!checked) {
            std::cerr << "spark-executor import: " << checked.error().message << '\n';
            return kExitFailure;
        }
        if (!checked->refusal.empty()) {
            std::vector<std::string> notes;
            if constexpr (requires { checked->notes; }) notes = checked->notes;
            PrintRows(checked->file, checked->lines_read, 0, checked->rejected, notes, what);
            std::cerr << "  refused: " << checked->refusal << '\n';
            refused = true;
        }
    }
    if (refused) {
        std::cerr << "spark-executor import: nothing imported (a file was refused)\n";
        return kExitFailure;
    }
    std::unique_ptr<BacktestCache> cache = OpenCacheForCommand(db_path, "spark-executor import", false);
    if (!cache) return kExitFailure;
    for (const std::string& file : files) {
        Result<ImportReport> report = store(*cache, file);
        if (!report) {
            std::cerr << "spark-executor import: " << report.error().message << " (the files before it are imported)\n";
            return kExitFailure;
        }
        PrintRows(report->file, report->lines_read, report->imported, report->rejected, report->notes, what);
        if (!report->refusal.empty()) {  // the file changed since it was checked
            std::cerr << "  refused: " << report->refusal << '\n';
            return kExitFailure;
        }
    }
    return 0;
}

}  // namespace

void PrintImportReport(const ImportReport& report) {
    PrintRows(report.file, report.lines_read, report.imported, report.rejected, report.notes);
    if (!report.refusal.empty()) std::cerr << "  refused: " << report.refusal << '\n';
}

int RunImport(const std::vector<std::string>& args) {
    CLI::App app{
        "Loads Binance kline files (CSV, .csv.gz or Binance's monthly .zip dumps) into the cache, or with "
        "--funding Binance's USD-M fundingRate dumps (calc_time,funding_interval_hours,last_funding_rate). "
        "Every file is checked first (rows, spacing, the file name's symbol and interval); if any file is "
        "refused, nothing is written. Each file is then stored in its own transaction.",
        "spark-executor import"};
    ConfigureCommand(app);
    std::string exchange = "binance";
    std::string symbol;
    std::string interval_name;
    std::string db_path = DefaultDbPath();
    bool allow_rejects = false;
    bool funding = false;
    std::vector<std::string> files;
    app.add_option("--exchange", exchange, "binance (spot) or binance-futures (USD-M)")
        ->check(CLI::IsMember({"binance", "binance-futures"}));
    app.add_option("--symbol", symbol, "the symbol the file holds, e.g. BTCUSDT")->required()->check(SymbolValidator());
    // Required for klines only, so checked after parsing: funding dumps carry their own interval.
    CLI::Option* interval_option =
        app.add_option("--interval", interval_name, "the bar interval the file holds (1m, 1h, 4h, 1d, 1w, 1M, ...)")
            ->check(IntervalValidator());
    app.add_flag("--funding", funding,
                 "the files are Binance's fundingRate dumps (<SYMBOL>-fundingRate-YYYY-MM.zip), not klines; needs "
                 "--exchange binance-futures and takes no --interval");
    app.add_option("--db", db_path, "the cache file (default: $SPARK_DB, else var/spark.duckdb)");
    app.add_flag("--allow-rejects", allow_rejects,
                 "import the valid rows of files with rejected rows (the rejected slots stay misses)");
    app.add_option("files", files, "kline files, or fundingRate files with --funding")
        ->required()
        ->check(CLI::ExistingFile);
    if (std::optional<int> done = ParseCommandLine(app, args)) return *done;

    if (funding) {
        if (interval_option->count() > 0) {
            return UsageError(app,
                              "--interval does not apply to --funding: each row of a funding dump carries its "
                              "own funding interval");
        }
        if (exchange != kFundingExchange) {
            return UsageError(app, fmt::format("--funding needs --exchange {}: only USD-M perpetuals have funding "
                                               "rates (got --exchange {})",
                                               kFundingExchange, exchange));
        }
        const ImportOptions options{.allow_rejects = allow_rejects};
        const int64_t now_ms = NowEpochMs();
        return CheckEveryFileThenStore(
            files, db_path, "funding rates",
            [&](const std::string& file) { return PrepareFundingImport(symbol, file, now_ms, options); },
            [&](BacktestCache& cache, const std::string& file) {
                return ImportFundingFile(cache, exchange, symbol, file, now_ms, options);
            });
    }
    if (interval_option->count() == 0) {
        return UsageError(app, "--interval is required (or --funding for fundingRate files)");
    }

    const Interval interval = *Interval::Parse(interval_name);
    const SeriesKey series{exchange, symbol, interval_name};
    const int64_t now_ms = NowEpochMs();
    const ImportOptions options{.allow_rejects = allow_rejects};
    return CheckEveryFileThenStore(
        files, db_path, "bars",
        [&](const std::string& file) { return PrepareKlineImport(series, interval, file, now_ms, options); },
        [&](BacktestCache& cache, const std::string& file) {
            return ImportKlineFile(cache, series, interval, file, now_ms, options);
        });
}

}  // namespace spark::app
