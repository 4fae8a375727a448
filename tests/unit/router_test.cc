// Routing by path: exact paths, `{name}` segments handed to the handler, and the 404/405 answers.
#include <gtest/gtest.h>

#include "api/routes.h"

namespace spark::api {
namespace {

Router Routes() {
    Router router;
    const Handler ok = [](const HttpRequest&) { return HttpResponse{200, "{}"}; };
    router.Add({"GET", "/backtest/runs", "runs", Executor::kIoThread, ok});
    router.Add({"GET", "/backtest/runs/{runId}", "runs", Executor::kIoThread, ok});
    router.Add({"DELETE", "/backtest/runs/{runId}", "runs", Executor::kIoThread, ok});
    router.Add({"GET", "/backtest/runs/{runId}/trades.csv", "runs", Executor::kIoThread, ok});
    router.Add({"GET", "/assets/{file}", "web", Executor::kIoThread, ok});
    return router;
}

TEST(Router, NamedSegmentsMatchOneSegmentEachAndReachTheHandler) {
    const Router router = Routes();
    const Router::Match run = router.Find("GET", "/backtest/runs/run_42");
    ASSERT_NE(run.route, nullptr);
    EXPECT_EQ(run.route->path, "/backtest/runs/{runId}");
    EXPECT_EQ(run.params.at("runId"), "run_42");
    const Router::Match csv = router.Find("GET", "/backtest/runs/run_42/trades.csv");
    ASSERT_NE(csv.route, nullptr);
    EXPECT_EQ(csv.params.at("runId"), "run_42");
    EXPECT_EQ(router.Find("GET", "/assets/index-abc.js").params.at("file"), "index-abc.js");
    ASSERT_NE(router.Find("GET", "/backtest/runs").route, nullptr);
    EXPECT_TRUE(router.Find("GET", "/backtest/runs").params.empty());
}

TEST(Router, NothingElseMatches) {
    const Router router = Routes();
    for (const char* path : {"/backtest/runs/", "/backtest/runs//trades.csv", "/backtest/runs/a/b",
                             "/backtest/runs/a/trades.csv/x", "/assets/../../etc/passwd", "/assets/", "/backtest"}) {
        const Router::Match match = router.Find("GET", path);
        EXPECT_EQ(match.route, nullptr) << path;
        EXPECT_EQ(match.error.status, 404) << path;
    }
    const Router::Match wrong_method = router.Find("POST", "/backtest/runs/run_42");
    EXPECT_EQ(wrong_method.route, nullptr);
    EXPECT_EQ(wrong_method.error.status, 405);
    ASSERT_FALSE(wrong_method.error.headers.empty());
    EXPECT_EQ(wrong_method.error.headers[0].second, "GET, DELETE");
}

}  // namespace
}  // namespace spark::api
