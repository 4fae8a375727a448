#include "support/http_client.h"

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace spark::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kMaxResponseBytes = 256u << 20;

}  // namespace

struct HttpConnection::Impl {
    asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;

    HttpResult Read() {
        HttpResult result;
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxResponseBytes);
        beast::error_code ec;
        http::read(stream, buffer, parser, ec);
        if (ec) return result;
        const auto& response = parser.get();
        result.status = static_cast<int>(response.result_int());
        result.body = response.body();
        result.content_type = std::string(response[http::field::content_type]);
        result.connection = std::string(response[http::field::connection]);
        for (const auto& field : response) {
            std::string name(field.name_string());
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            result.headers[name] = std::string(field.value());
        }
        std::transform(result.connection.begin(), result.connection.end(), result.connection.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return result;
    }
};

HttpConnection::HttpConnection(uint16_t port) : impl_(new Impl) {
    beast::error_code ec;
    impl_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) impl_->stream.socket().set_option(tcp::no_delay(true));
}

HttpConnection::~HttpConnection() { delete impl_; }

HttpResult HttpConnection::Call(const std::string& method, const std::string& target, const std::string& body,
                                const HttpHeaders& headers) {
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.keep_alive(true);
    request.body() = body;
    request.prepare_payload();
    beast::error_code ec;
    http::write(impl_->stream, request, ec);
    if (ec) return {};
    return impl_->Read();
}

HttpResult HttpConnection::Raw(const std::string& bytes) {
    beast::error_code ec;
    asio::write(impl_->stream, asio::buffer(bytes), ec);
    if (ec) return {};
    return impl_->Read();
}

void HttpConnection::Send(const std::string& bytes) {
    beast::error_code ec;
    asio::write(impl_->stream, asio::buffer(bytes), ec);
}

HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target, const std::string& body) {
    HttpConnection connection(port);
    return connection.Call(method, target, body);
}

HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                    const HttpHeaders& headers) {
    HttpConnection connection(port);
    return connection.Call(method, target, body, headers);
}

}  // namespace spark::testing
