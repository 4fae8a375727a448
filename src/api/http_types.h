#pragma once

#include <string>
#include <utility>
#include <vector>

namespace spark::api {

//! The parts of an HTTP request the handlers need; the server adapts Beast's types to these so
//! handlers can be tested without a socket.
struct HttpRequest {
    std::string method;
    std::string path;
    std::string query;  //!< without the '?'
    std::string body;
};

struct HttpResponse {
    HttpResponse() = default;
    HttpResponse(int status_code, std::string json_or_text, std::string type = "application/json")
        : status(status_code), body(std::move(json_or_text)), content_type(std::move(type)) {}

    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  //!< extra headers, e.g. Allow on a 405
};

}  // namespace spark::api
