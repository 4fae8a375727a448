#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace spark::testing {

struct HttpResult {
    int status = 0;  //!< 0 when the request could not be completed
    std::string body;
    std::string content_type;
    std::string connection;                      //!< the Connection header, lower-case
    std::map<std::string, std::string> headers;  //!< every header, names lower-case
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

//! One request on a fresh loopback connection (blocking, for tests and the load driver).
HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target, const std::string& body = "");
//! The same with extra request headers (they replace the defaults of the same name).
HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                    const HttpHeaders& headers);

//! A keep-alive connection reused across requests.
class HttpConnection {
  public:
    explicit HttpConnection(uint16_t port);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    HttpResult Call(const std::string& method, const std::string& target, const std::string& body = "",
                    const HttpHeaders& headers = {});
    //! Sends raw bytes and reads one response (for malformed-request tests).
    HttpResult Raw(const std::string& bytes);
    //! Sends raw bytes without reading anything back.
    void Send(const std::string& bytes);

  private:
    struct Impl;
    Impl* impl_;
};

}  // namespace spark::testing
