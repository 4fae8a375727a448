#include "api/intrabar_support.h"

#include <fmt/format.h>

#include "api/job_support.h"

namespace spark::api {

Result<std::shared_ptr<const IntrabarBars>> LoadIntrabar(const BarLoader& loader, ServiceMetrics& metrics,
                                                         const RunRequest& request, const std::string& symbol,
                                                         std::span<const Candle> bars, Warnings& warnings,
                                                         bool levels_elsewhere) {
    if (!request.intrabar) return nullptr;
    const Interval& fine = *request.intrabar;
    // A futures position's liquidation price is a level too: finer bars tell whether it came first.
    if (!request.options.HasLevels() && !request.options.futures && !levels_elsewhere) {
        warnings.push_back({"INTRABAR_UNUSED",
                            fmt::format("intrabar {} resolves stops, targets and trailing stops, and this request has "
                                        "none: the {} bars were not loaded and the result is the same without it",
                                        fine.Name(), fine.Name())});
        return nullptr;
    }
    const BarQuery query{{request.exchange, symbol, std::string(fine.Name())}, fine, request.range, request.use_cache};
    Result<LoadedBars> loaded = LoadCounted(loader, metrics, query);
    if (!loaded) {
        Error error = loaded.error();
        error.message =
            fmt::format("the {} {} bars intrabar asks for could not be loaded: {}", symbol, fine.Name(), error.message);
        error.field = "intrabar";
        return std::unexpected(std::move(error));
    }
    auto out = std::make_shared<IntrabarBars>();
    out->loaded = std::move(*loaded);
    out->timeframe = std::string(fine.Name());
    out->path = std::make_unique<IntrabarPath>(out->loaded.bars, request.interval, fine);
    out->incomplete_bars = out->path->IncompleteBars(bars);
    if (out->incomplete_bars > 0) {
        warnings.push_back(
            {"INTRABAR_INCOMPLETE",
             fmt::format("{} of {} {} bars of {} lack some of their {} bars: exits inside those bars were resolved on "
                         "the bar's own prices (a gap at the open first, then the stop before the target)",
                         out->incomplete_bars, bars.size(), request.interval.Name(), symbol, fine.Name())});
    }
    return std::shared_ptr<const IntrabarBars>(std::move(out));
}

}  // namespace spark::api
