#include <iostream>
#include <string>
#include <vector>

#include "app/cli_support.h"
#include "app/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: spark-executor <command> [options]\n"
    "commands:\n"
    "  serve    run the HTTP service\n"
    "  import   load Binance kline files into the cache\n"
    "  cache    list, verify or delete what the cache file holds\n"
    "  worker   run job shards for a coordinator through Redis (serve --redis)\n"
    "Run 'spark-executor <command> --help' for a command's options and their defaults.\n";

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const std::string command = args.empty() ? "" : args[0];
    const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    if (command == "serve") return spark::app::RunServe(rest);
    if (command == "import") return spark::app::RunImport(rest);
    if (command == "cache") return spark::app::RunCache(rest);
    if (command == "worker") return spark::app::RunWorker(rest);
    if (command == "--version" || command == "version") {
        std::cout << spark::app::VersionLine() << '\n';
        return 0;
    }
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << kUsage;
        return 0;
    }
    if (!command.empty()) std::cerr << "spark-executor: unknown command '" << command << "'\n";
    std::cerr << kUsage;
    return spark::app::kExitUsage;
}
