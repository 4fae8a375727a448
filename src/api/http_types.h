#pragma once

#include <string>

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
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
};

}  // namespace spark::api
