#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "model/candle.h"

namespace spark::report {

//! One self-contained, printable HTML page summing up a stored answer of any backtesting route:
//! inline CSS and SVG only (no script, no font, image or link to anything outside the page), the
//! same bytes for the same input (no clock is read).
//!
//! Sections: the title (route, symbols, timeframe, range, strategy) and warnings; the metrics;
//! the price (`bars`, downsampled to at most 1500 points, with the trades' entries and exits
//! marked; a note instead when `bars` is empty); the equity curve and its drawdown; monthly
//! returns by UTC calendar month (a month's last equity over the previous month's, the first
//! month against the initial cash); the route's own tables (optimize: the best result, the search
//! and the overfitting guard; walk-forward: the verdict and the folds, with the stitched
//! out-of-sample metrics and curve; portfolio: the assets' contributions and the correlation
//! matrix); the first 500 trades; the request and the semantics. Every text of the answer is
//! HTML-escaped (it carries user-written strategy rules). For a portfolio, `bars` are taken to
//! be the first asset's, and only its trades are marked.
std::string Tearsheet(const nlohmann::json& answer, std::span<const Candle> bars);

}  // namespace spark::report
