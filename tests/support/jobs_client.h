#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/http_client.h"

namespace spark::testing {

//! POST /jobs; the job's id, or "" (with a test failure) when it was not accepted.
inline std::string SubmitJob(uint16_t port, const std::string& type, const nlohmann::json& request) {
    const HttpResult result =
        HttpCall(port, "POST", "/jobs", nlohmann::json{{"type", type}, {"request", request}}.dump());
    EXPECT_EQ(result.status, 202) << result.body;
    if (result.status != 202) return "";
    return nlohmann::json::parse(result.body)["jobId"].get<std::string>();
}

inline nlohmann::json JobView(uint16_t port, const std::string& id) {
    const HttpResult result = HttpCall(port, "GET", "/jobs/" + id);
    if (result.status != 200) return nlohmann::json{{"status", "http " + std::to_string(result.status)}};
    return nlohmann::json::parse(result.body);
}

//! Polls GET /jobs/{id} until `until` holds for the view (or the timeout passes); returns the last view.
template <typename Predicate>
nlohmann::json WaitForJob(uint16_t port, const std::string& id, Predicate until,
                          std::chrono::seconds timeout = std::chrono::seconds(180)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    nlohmann::json view;
    while (std::chrono::steady_clock::now() < deadline) {
        view = JobView(port, id);
        if (until(view)) return view;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "job " << id << " did not reach the expected state: " << view.dump();
    return view;
}

inline bool IsFinal(const nlohmann::json& view) {
    const std::string status = view.value("status", "");
    return status == "done" || status == "failed" || status == "cancelled";
}

inline nlohmann::json WaitUntilFinal(uint16_t port, const std::string& id) { return WaitForJob(port, id, IsFinal); }

//! A job's answer without what names the job itself, for comparing two runs of the same work.
inline nlohmann::json WithoutIdentity(nlohmann::json answer) {
    for (const char* key : {"jobId", "runId", "timing"}) answer.erase(key);
    if (answer.contains("rows")) answer["rows"].erase("csv");
    return answer;
}

}  // namespace spark::testing
