// Who may call the service and how many heavy jobs run at once (api/http/access_policy.h, api/http/job_gate.h),
// and what GET /version may show (app/config.h).
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "api/http/access_policy.h"
#include "api/http/job_gate.h"
#include "app/config.h"

namespace spark {
namespace {

using api::AccessPolicy;

TEST(Access, TheTokenMustMatchExactly) {
    const AccessPolicy open({});
    EXPECT_FALSE(open.TokenConfigured());
    EXPECT_FALSE(open.Authenticated("Bearer "));
    const AccessPolicy guarded({.token = "s3cret"});
    EXPECT_TRUE(guarded.Authenticated("Bearer s3cret"));
    EXPECT_TRUE(guarded.Authenticated("bearer s3cret"));  // the scheme is case-insensitive, the token not
    for (const char* wrong : {"", "s3cret", "Bearer s3cre", "Bearer s3cret ", "Bearer S3cret", "Bearer", "Basic s3cret",
                              "Bearer s3cret2"}) {
        EXPECT_FALSE(guarded.Authenticated(wrong)) << wrong;
    }
    EXPECT_TRUE(guarded.Exempt("healthz"));
    EXPECT_FALSE(guarded.Exempt("run"));
}

TEST(Access, OriginsAreSameListedAbsentOrRefused) {
    const AccessPolicy policy({.allowed_origins = {"https://research.example.com"}});
    using O = AccessPolicy::Origin;
    EXPECT_EQ(policy.Classify("", "127.0.0.1:4001"), O::kAbsent);
    EXPECT_EQ(policy.Classify("http://127.0.0.1:4001", "127.0.0.1:4001"), O::kSame);
    // Matching Origin and Host prove nothing when the name is not ours (DNS rebinding): only
    // loopback names, or listed origins, are the service's own.
    EXPECT_EQ(policy.Classify("https://spark.example.com", "spark.example.com"), O::kRefused);
    EXPECT_EQ(policy.Classify("http://localhost:4001", "localhost:4001"), O::kSame);
    EXPECT_EQ(policy.Classify("https://research.example.com", "127.0.0.1:4001"), O::kListed);
    EXPECT_EQ(policy.Classify("https://research.example.com.evil.io", "127.0.0.1:4001"), O::kRefused);
    EXPECT_EQ(policy.Classify("http://127.0.0.1:4002", "127.0.0.1:4001"), O::kRefused);
    EXPECT_EQ(policy.Classify("null", "127.0.0.1:4001"), O::kRefused);  // sandboxed frames, file:// pages
    EXPECT_EQ(policy.Classify("HTTPS://RESEARCH.example.com", "127.0.0.1:4001"), O::kListed);  // case
    EXPECT_EQ(AccessPolicy({.allowed_origins = {"*"}}).Classify("https://any.where", "h"), O::kListed);
}

TEST(Access, ALoopbackServiceAnswersOnlyToItsOwnHostNames) {
    // DNS rebinding: evil.example re-pointed at 127.0.0.1 makes its page same-origin with us.
    const AccessPolicy loopback({.allowed_origins = {"https://spark.example.com"}, .check_host = true});
    using O = AccessPolicy::Origin;
    EXPECT_FALSE(loopback.HostAllowed("evil.example:4001"));
    EXPECT_EQ(loopback.Classify("http://evil.example:4001", "evil.example:4001"), O::kRefused);
    for (const char* host : {"127.0.0.1:4001", "localhost:4001", "LOCALHOST", "[::1]:4001", "127.0.0.1", "",
                             "spark.example.com", "spark.example.com:8443"}) {
        EXPECT_TRUE(loopback.HostAllowed(host)) << host;
    }
    EXPECT_FALSE(loopback.HostAllowed("spark.example.com.evil.io"));
    // Listening beyond loopback, any Host is accepted (the token is what guards such a service).
    EXPECT_TRUE(AccessPolicy({}).HostAllowed("evil.example:4001"));
    EXPECT_EQ(AccessPolicy({}).Classify("http://evil.example:4001", "evil.example:4001"), O::kRefused);
}

TEST(JobGate, AtMostMaxRunningWaitingInOrderTheRestRefused) {
    int idle_calls = 0;
    api::JobGate gate(2, 2, [&] { ++idle_calls; });
    std::vector<int> started;
    auto job = [&](int id) { return [&started, id] { started.push_back(id); }; };
    EXPECT_TRUE(gate.Enter(job(1)));
    EXPECT_TRUE(gate.Enter(job(2)));
    EXPECT_TRUE(gate.Enter(job(3)));
    EXPECT_TRUE(gate.Enter(job(4)));
    EXPECT_FALSE(gate.Enter(job(5)));  // two running, two waiting: full
    EXPECT_EQ(started, (std::vector<int>{1, 2}));
    EXPECT_EQ(gate.Running(), 2u);
    EXPECT_EQ(gate.Waiting(), 2u);
    gate.Leave();
    EXPECT_EQ(started, (std::vector<int>{1, 2, 3}));
    gate.Leave();
    gate.Leave();
    EXPECT_EQ(started, (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(gate.Running(), 1u);
    EXPECT_EQ(idle_calls, 0);
    gate.Leave();
    EXPECT_EQ(gate.Running(), 0u);
    EXPECT_EQ(idle_calls, 1);  // the last one out gives memory back
}

TEST(VersionConfig, NoCredentialsAndNoPathsForTheAnonymous) {
    EXPECT_EQ(app::RedactUrlCredentials("http://user:SECRET@host:9/x?y=1"), "http://***@host:9/x?y=1");
    EXPECT_EQ(app::RedactUrlCredentials("https://api.binance.com"), "https://api.binance.com");  // as given
    EXPECT_EQ(app::RedactUrlCredentials("http://host/p@th"), "http://host/p@th");  // '@' in the path is not userinfo
    EXPECT_EQ(app::RedactUrlCredentials("http://user@host:9"), "http://***@host:9/");
    EXPECT_EQ(app::RedactUrlCredentials(""), "");
    EXPECT_EQ(app::RedactUrlCredentials("http://u:p%2Fss@host"), "http://***@host/");
    EXPECT_EQ(app::RedactUrlCredentials("::not a url::"), "(a URL curl cannot parse)");
    app::ServeConfig config;
    config.db_path = "/srv/spark/cache.duckdb";
    config.audit_log = "/var/log/spark/audit.jsonl";
    config.api_token = "s3cret";
    config.binance_base_url = "http://u:p4ss@127.0.0.1:9";
    for (bool with_paths : {true, false}) {
        for (const auto& [key, value] : app::DescribeConfig(config, with_paths)) {
            EXPECT_EQ(value.find("s3cret"), std::string::npos) << key;
            EXPECT_EQ(value.find("p4ss"), std::string::npos) << key;
            if (!with_paths) EXPECT_EQ(value.find("/srv/"), std::string::npos) << key;
        }
    }
    const auto reduced = app::DescribeConfig(config, false);
    EXPECT_NE(std::find(reduced.begin(), reduced.end(), std::pair<std::string, std::string>{"db", "cache.duckdb"}),
              reduced.end());
}

}  // namespace
}  // namespace spark
