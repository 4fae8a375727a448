#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/config.h"

namespace {

void PrintUsage() {
    std::cerr << "usage: spark-executor <command> [options]\n"
                 "commands:\n"
                 "  serve    run the HTTP service (see 'spark-executor serve --help')\n"
                 "  import   load Binance kline CSV files into the cache\n";
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        PrintUsage();
        return 2;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "serve") {
        if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
            std::cout << spark::app::ServeUsage();
            return 0;
        }
        return spark::app::RunServe(rest);
    }
    if (args[0] == "import") return spark::app::RunImport(rest);
    PrintUsage();
    return args[0] == "--help" || args[0] == "help" ? 0 : 2;
}
