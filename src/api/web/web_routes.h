#pragma once

#include <string>

#include "api/routes.h"

namespace spark::api {

//! The web app (docs/web.md): the built files of `web_dir` (index.html and assets/, from
//! `npm run build` in web/) read once at start and served at `GET /` and `GET /assets/{file}`,
//! under the route name `web` (exempt from the token by default: the app asks for it). A missing
//! folder is no error: `GET /` then answers 404 saying how to build the app.
void AddWebRoutes(Router& router, const std::string& web_dir);

}  // namespace spark::api
