// spark-executor worker --redis redis://host:port: runs grid-job shards for a coordinator
// (docs/scaling.md). It never calls Binance: every series comes from Redis by its hash.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "api/jobs/grid_shard_source.h"
#include "app/cli_support.h"
#include "app/commands.h"
#include "jobs/redis_client.h"
#include "jobs/shard_worker.h"

namespace spark::app {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

constexpr const char* kWorkerUsage =
    "usage: spark-executor worker --redis redis://host:port [options]\n"
    "  --redis URL            the coordinator's Redis (env SPARK_REDIS_URL)\n"
    "  --name NAME            consumer name (default: <hostname>-<pid>)\n"
    "  --threads N            shards run at once, one Redis consumer each (default 1)\n"
    "  --visibility-ms MS     a shard claimed this long without an answer is taken over (default 30000)\n"
    "  --max-deliveries N     deliveries or failures before a shard is dead-lettered (default 3)\n";

std::string DefaultName() {
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "worker");
    return fmt::format("{}-{}", host, getpid());
}

}  // namespace

int RunWorker(const std::vector<std::string>& args) {
    std::string url = std::getenv("SPARK_REDIS_URL") ? std::getenv("SPARK_REDIS_URL") : "";
    jobs::WorkerOptions options;
    options.name = DefaultName();
    long threads = 1;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& flag = args[i];
        if (flag == "--help" || flag == "-h") {
            std::cout << kWorkerUsage;
            return 0;
        }
        if (flag == "--version") {
            std::cout << VersionLine() << '\n';
            return 0;
        }
        if (i + 1 >= args.size()) {
            std::cerr << "spark-executor worker: " << flag << " needs a value\n" << kWorkerUsage;
            return kExitUsage;
        }
        const std::string& value = args[++i];
        try {
            if (flag == "--redis") {
                url = value;
            } else if (flag == "--name") {
                options.name = value;
            } else if (flag == "--threads") {
                threads = std::stol(value);
                if (threads < 1 || threads > 256) throw std::out_of_range("threads");
            } else if (flag == "--visibility-ms") {
                options.visibility = std::chrono::milliseconds(std::stol(value));
                if (options.visibility.count() < 100) throw std::out_of_range("visibility");
            } else if (flag == "--max-deliveries") {
                options.max_deliveries = static_cast<int>(std::stol(value));
                if (options.max_deliveries < 1 || options.max_deliveries > 100) throw std::out_of_range("deliveries");
            } else {
                std::cerr << "spark-executor worker: unknown option '" << flag << "'\n" << kWorkerUsage;
                return kExitUsage;
            }
        } catch (const std::exception&) {
            std::cerr << fmt::format(
                "spark-executor worker: invalid {} '{}': --threads 1-256, --visibility-ms >= "
                "100, --max-deliveries 1-100\n",
                flag, value);
            return kExitUsage;
        }
    }
    if (url.empty()) {
        std::cerr << "spark-executor worker: --redis redis://host:port is required\n" << kWorkerUsage;
        return kExitUsage;
    }
    Result<jobs::RedisAddress> address = jobs::ParseRedisUrl(url);
    if (!address) {
        std::cerr << "spark-executor worker: " << address.error().message << '\n';
        return kExitUsage;
    }
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    // Tests and scripts wait for this line.
    std::cout << fmt::format("spark-executor worker {} serving {} with {} thread(s)", options.name, address->Describe(),
                             threads)
              << std::endl;
    std::vector<std::thread> consumers;
    std::atomic<int64_t> runs{0};
    for (long t = 0; t < threads; ++t) {
        consumers.emplace_back([&, t] {
            jobs::WorkerOptions own = options;
            if (threads > 1) own.name = fmt::format("{}-{}", options.name, t);
            api::GridShardSource source;
            jobs::ShardWorker worker(*address, own, source);
            runs += worker.Run(g_stop);
        });
    }
    for (std::thread& consumer : consumers) consumer.join();
    std::cerr << fmt::format("spark-executor worker {}: stopped after {} runs\n", options.name, runs.load());
    return 0;
}

}  // namespace spark::app
