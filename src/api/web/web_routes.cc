#include "api/web/web_routes.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "api/http/error_response.h"

namespace spark::api {
namespace {

namespace fs = std::filesystem;

struct StaticFile {
    std::string body;
    std::string content_type;
};

std::string ContentType(const fs::path& path) {
    static const std::map<std::string, std::string> kTypes = {{".html", "text/html; charset=utf-8"},
                                                              {".js", "text/javascript; charset=utf-8"},
                                                              {".css", "text/css; charset=utf-8"},
                                                              {".svg", "image/svg+xml"},
                                                              {".png", "image/png"},
                                                              {".ico", "image/x-icon"},
                                                              {".json", "application/json"},
                                                              {".map", "application/json"},
                                                              {".woff2", "font/woff2"},
                                                              {".txt", "text/plain; charset=utf-8"}};
    const auto it = kTypes.find(path.extension().string());
    return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::optional<StaticFile> Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return StaticFile{text.str(), ContentType(path)};
}

HttpResponse Serve(const StaticFile& file, bool immutable) {
    HttpResponse response{200, file.body, file.content_type};
    // Vite names assets by content hash: they never change; index.html must be re-read.
    response.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
    return response;
}

}  // namespace

void AddWebRoutes(Router& router, const std::string& web_dir) {
    auto index = std::make_shared<std::optional<StaticFile>>(web_dir.empty() ? std::nullopt
                                                                             : Read(fs::path(web_dir) / "index.html"));
    // Only the files found at start are served: no path from a request ever reaches the disk.
    auto assets = std::make_shared<std::map<std::string, StaticFile>>();
    std::error_code ec;
    if (*index && fs::is_directory(fs::path(web_dir) / "assets", ec)) {
        for (const auto& entry : fs::directory_iterator(fs::path(web_dir) / "assets", ec)) {
            if (!entry.is_regular_file()) continue;
            if (auto file = Read(entry.path())) assets->emplace(entry.path().filename().string(), std::move(*file));
        }
    }
    router.Add({"GET", "/", "web", Executor::kIoThread, [index, web_dir](const HttpRequest&) {
                    if (*index) return Serve(**index, false);
                    return ErrorResponse({ErrorCode::kRouteNotFound,
                                          fmt::format("the web app is not built or not found in '{}': run `make "
                                                      "build` (npm ci and npm run build in web/), or point "
                                                      "SPARK_WEB_DIR at its dist folder",
                                                      web_dir),
                                          "", "WEB_APP_MISSING"});
                }});
    router.Add({"GET", "/assets/{file}", "web", Executor::kIoThread, [assets](const HttpRequest& request) {
                    const auto it = assets->find(request.params.at("file"));
                    if (it == assets->end()) {
                        return ErrorResponse(
                            {ErrorCode::kRouteNotFound, "no such asset of the web app", "", "ASSET_NOT_FOUND"});
                    }
                    return Serve(it->second, true);
                }});
}

}  // namespace spark::api
