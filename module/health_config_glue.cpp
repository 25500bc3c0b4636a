// mod_proxy_hcheck's configuration surface in httpd: the hc* BalancerMember parameters (through
// the set_worker_hc_param optional function), ProxyHCExpr, ProxyHCTemplate, ProxyHCTPsize, the
// three functions balancer-manager calls to show and edit them, and %{HC_BODY} in expressions.
// What the parameters mean is shared/health's (CheckConfig, HcDefinitions).
#include "module/health_config_glue.h"

#include <cstring>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "module/guard.h"
#include "module/member_table_glue.h"
#include "shared/common/parse.h"

APLOG_USE_MODULE(fleet);

namespace fleet::glue {
namespace {

// The main server's definitions, which each virtual host's see too; cleared with pconf.
health::HcDefinitions* g_mainDefinitions = nullptr;

// mod_fleet's own hc settings (timeout, jitter...) of each configured member, by worker. Written
// while the configuration is read (one thread), read-only afterwards; cleared with pconf.
std::unordered_map<const proxy_worker*, health::CheckConfig>* g_memberChecks = nullptr;

apr_status_t forgetMemberChecks(void*) {
  delete g_memberChecks;
  g_memberChecks = nullptr;
  g_mainDefinitions = nullptr;
  return APR_SUCCESS;
}

apr_status_t destroyDefinitions(void* d) {
  static_cast<health::HcDefinitions*>(d)->~HcDefinitions();
  return APR_SUCCESS;
}

// ProxyHCExpr and ProxyHCTemplate are per virtual host, like mod_proxy_hcheck's.
health::HcDefinitions* definitions(server_rec* s) {
  return static_cast<health::HcDefinitions*>(ap_get_module_config(s->module_config, &fleet_module));
}

hcmethod_t toHcMethod(const health::ProbeSpec& spec) {
  switch (spec.method) {
    case health::ProbeMethod::kNone:
      return NONE;
    case health::ProbeMethod::kTcp:
      return TCP;
    case health::ProbeMethod::kOptions:
      return spec.http11 ? OPTIONS11 : OPTIONS;
    case health::ProbeMethod::kHead:
      return spec.http11 ? HEAD11 : HEAD;
    case health::ProbeMethod::kGet:
      return spec.http11 ? GET11 : GET;
  }
  return NONE;
}

// The probe for a member's (possibly balancer-manager edited) hcmethod; kNone for methods
// mod_fleet does not run (CPING is AJP's, PROVIDER was never implemented by anyone).
health::ProbeSpec fromHcMethod(hcmethod_t m) {
  health::ProbeSpec spec;
  switch (m) {
    case TCP:
      spec.method = health::ProbeMethod::kTcp;
      break;
    case OPTIONS11:
      spec.http11 = true;
      [[fallthrough]];
    case OPTIONS:
      spec.method = health::ProbeMethod::kOptions;
      break;
    case HEAD11:
      spec.http11 = true;
      [[fallthrough]];
    case HEAD:
      spec.method = health::ProbeMethod::kHead;
      break;
    case GET11:
      spec.http11 = true;
      [[fallthrough]];
    case GET:
      spec.method = health::ProbeMethod::kGet;
      break;
    default:
      break;
  }
  return spec;
}

// mod_proxy hands every BalancerMember key it does not know to this optional function.
const char* setWorkerHcParam(apr_pool_t* p, server_rec* s, proxy_worker* w, const char* key,
                             const char* val, void* tmpl) {
  return guarded<const char*>(
      s, "set_worker_hc_param", "mod_fleet: internal error", [&]() -> const char* {
        if (w == nullptr || tmpl != nullptr) {
          return "Bad call to set_worker_hc_param()";
        }
        // mod_fleet's own member parameters first (slowstart=, maxconn=, trytimeout=).
        const char* own = setMemberParam(w, key, val, p);
        if (own != kNotMemberParam) {
          return own;
        }
        if (g_memberChecks == nullptr) {
          g_memberChecks = new std::unordered_map<const proxy_worker*, health::CheckConfig>();
          apr_pool_cleanup_register(p, nullptr, forgetMemberChecks, apr_pool_cleanup_null);
        }
        health::CheckConfig& c = (*g_memberChecks)[w];
        std::string err = definitions(s)->applyParam(&c, key, val);
        if (!err.empty()) {
          return apr_pstrdup(p, err.c_str());
        }
        // The fields httpd shares (and balancer-manager shows and edits) live in the worker.
        w->s->method = toHcMethod(c.spec);
        apr_cpystrn(w->s->hcuri, c.spec.uri.c_str(), sizeof(w->s->hcuri));
        apr_cpystrn(w->s->hcexpr, c.exprName.c_str(), sizeof(w->s->hcexpr));
        w->s->interval = c.intervalMicros;
        w->s->passes = static_cast<int>(c.passes);
        w->s->fails = static_cast<int>(c.fails);
        return nullptr;
      });
}

// balancer-manager: the table of expressions above the members.
void hcShowExprs(request_rec* r) {
  guarded<int>(r->server, "hc_show_exprs", 0, [&] {
    auto all = definitions(r->server)->expressions();
    if (all.empty()) {
      return 0;
    }
    ap_rputs(
        "\n\n<table><tr><th colspan='2'>Health check cond. expressions:</th></tr>\n"
        "<tr><th>Expr name</th><th>Expression</th></tr>\n",
        r);
    for (const auto& [name, e] : all) {
      ap_rprintf(r, "<tr><td>%s</td><td>%s</td></tr>\n", ap_escape_html(r->pool, name.c_str()),
                 ap_escape_html(r->pool, e->text.c_str()));
    }
    ap_rputs("</table><hr/>\n", r);
    return 0;
  });
}

// balancer-manager: the <option>s of the member form's expression select.
void hcSelectExprs(request_rec* r, const char* current) {
  guarded<int>(r->server, "hc_select_exprs", 0, [&] {
    for (const auto& [name, e] : definitions(r->server)->expressions()) {
      const char* html = ap_escape_html(r->pool, name.c_str());
      ap_rprintf(r, "<option value='%s' %s >%s</option>\n", html,
                 (current != nullptr && name == current) ? "selected" : "", html);
    }
    return 0;
  });
}

int hcValidExpr(request_rec* r, const char* name) {
  return guarded<int>(r->server, "hc_valid_expr", 0, [&] {
    return name != nullptr && definitions(r->server)->findExpression(name) != nullptr;
  });
}

// %{HC_BODY} and hc('body') in ProxyHCExpr: the checked member's response body.
const char* hcBodyVar(ap_expr_eval_ctx_t* ctx, const void* data) {
  const char* name = static_cast<const char*>(data);
  if (ctx->r == nullptr || name == nullptr || ap_cstr_casecmp(name, "BODY") != 0) {
    return nullptr;
  }
  const char* body = apr_table_get(ctx->r->notes, kHcBodyNote);
  return body != nullptr ? body : "";
}

const char* hcFunction(ap_expr_eval_ctx_t* ctx, const void*, const char* arg) {
  return hcBodyVar(ctx, arg);
}

}  // namespace

int hcExprLookup(ap_expr_lookup_parms* parms) {
  if (parms->type == AP_EXPR_FUNC_VAR && ap_cstr_casecmpn(parms->name, "HC_", 3) == 0) {
    *parms->func = reinterpret_cast<const void*>(&hcBodyVar);
    *parms->data = parms->name + 3;
    return OK;
  }
  if (parms->type == AP_EXPR_FUNC_STRING && ap_cstr_casecmp(parms->name, "HC") == 0) {
    *parms->func = reinterpret_cast<const void*>(&hcFunction);
    *parms->data = parms->arg;
    return OK;
  }
  return DECLINED;
}

health::ProbeSpec healthProbeSpec(int hcmethod) {
  return fromHcMethod(static_cast<hcmethod_t>(hcmethod));
}

const health::CheckConfig& memberCheckConfig(const proxy_worker* w) {
  static const health::CheckConfig kDefaults;
  if (g_memberChecks == nullptr) {
    return kDefaults;
  }
  auto it = g_memberChecks->find(w);
  return it != g_memberChecks->end() ? it->second : kDefaults;
}

const health::HcDefinitions& hcDefinitions(server_rec* s) { return *definitions(s); }

void* createServerConfig(apr_pool_t* p, server_rec* s) {
  // In pool memory, destroyed by a pconf cleanup; constructing it allocates nothing, so nothing
  // can throw here.
  auto* d = new (apr_palloc(p, sizeof(health::HcDefinitions)))
      health::HcDefinitions(s->is_virtual ? g_mainDefinitions : nullptr);
  apr_pool_cleanup_register(p, d, destroyDefinitions, apr_pool_cleanup_null);
  if (!s->is_virtual) {
    g_mainDefinitions = d;
    apr_pool_cleanup_register(p, nullptr, forgetMemberChecks, apr_pool_cleanup_null);
  }
  return d;
}

const char* setHcExpr(cmd_parms* cmd, void*, const char* args) {
  return guarded<const char*>(
      cmd->server, "ProxyHCExpr", "ProxyHCExpr: internal error", [&]() -> const char* {
        if (const char* err = ap_check_cmd_context(cmd, NOT_IN_HTACCESS)) {
          return err;
        }
        const char* name = ap_getword_conf(cmd->pool, &args);
        if (*name == '\0') {
          return "ProxyHCExpr needs a name and an expression, e.g. ProxyHCExpr ok234 "
                 "{%{REQUEST_STATUS} =~ /^[234]/}";
        }
        if (std::strlen(name) > 15) {
          return apr_psprintf(cmd->pool,
                              "ProxyHCExpr: name '%s' is too long; accepted: at most 15 characters",
                              name);
        }
        const char* text = ap_getword_conf2(cmd->pool, &args);
        if (*text == '\0') {
          return apr_psprintf(cmd->pool, "ProxyHCExpr %s: the expression is missing", name);
        }
        const char* err = nullptr;
        ap_expr_info_t* expr = ap_expr_parse_cmd(cmd, text, 0, &err, nullptr);
        if (err != nullptr) {
          return apr_psprintf(cmd->pool, "ProxyHCExpr %s: cannot parse \"%s\": %s", name, text,
                              err);
        }
        if (*ap_getword_conf(cmd->temp_pool, &args) != '\0') {
          return apr_psprintf(
              cmd->pool, "ProxyHCExpr %s: extra words after the expression (quote it or use {...})",
              name);
        }
        definitions(cmd->server)->addExpression(name, text, expr);
        return nullptr;
      });
}

const char* setHcTemplate(cmd_parms* cmd, void*, const char* args) {
  return guarded<const char*>(
      cmd->server, "ProxyHCTemplate", "ProxyHCTemplate: internal error", [&]() -> const char* {
        if (const char* err = ap_check_cmd_context(cmd, NOT_IN_HTACCESS)) {
          return err;
        }
        const char* name = ap_getword_conf(cmd->pool, &args);
        if (*name == '\0') {
          return "ProxyHCTemplate needs a name and key=value pairs, e.g. ProxyHCTemplate web "
                 "hcmethod=GET hcuri=/health";
        }
        std::vector<std::string> words;
        while (*args != '\0') {
          const char* word = ap_getword_conf(cmd->temp_pool, &args);
          if (*word == '\0') {
            break;
          }
          words.emplace_back(word);
        }
        std::string err = definitions(cmd->server)->addTemplate(name, words);
        if (!err.empty()) {
          return apr_psprintf(cmd->pool, "ProxyHCTemplate %s: %s", name, err.c_str());
        }
        return nullptr;
      });
}

const char* setHcThreadPoolSize(cmd_parms* cmd, void*, const char* arg) {
  return guarded<const char*>(
      cmd->server, "ProxyHCTPsize", "ProxyHCTPsize: internal error", [&]() -> const char* {
        if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) {
          return err;
        }
        if (!common::parseInteger(arg, 0, 1000000).isOk()) {
          return apr_psprintf(
              cmd->pool, "ProxyHCTPsize '%s' is not valid; accepted: a whole number >= 0", arg);
        }
        // Accepted so mod_proxy_hcheck configurations load unchanged; one non-blocking thread
        // does all checks, so there is no pool to size.
        return nullptr;
      });
}

void registerHealthFunctions() {
  // The names mod_proxy and mod_proxy_balancer look up; the types are checked here.
  APR_OPTIONAL_FN_TYPE(set_worker_hc_param)* setParam = setWorkerHcParam;
  APR_OPTIONAL_FN_TYPE(hc_show_exprs)* show = hcShowExprs;
  APR_OPTIONAL_FN_TYPE(hc_select_exprs)* select = hcSelectExprs;
  APR_OPTIONAL_FN_TYPE(hc_valid_expr)* valid = hcValidExpr;
  apr_dynamic_fn_register("set_worker_hc_param", reinterpret_cast<apr_opt_fn_t*>(setParam));
  apr_dynamic_fn_register("hc_show_exprs", reinterpret_cast<apr_opt_fn_t*>(show));
  apr_dynamic_fn_register("hc_select_exprs", reinterpret_cast<apr_opt_fn_t*>(select));
  apr_dynamic_fn_register("hc_valid_expr", reinterpret_cast<apr_opt_fn_t*>(valid));
}

std::string healthConflict() {
  if (ap_find_linked_module("mod_proxy_hcheck.c") != nullptr) {
    return "mod_proxy_hcheck is loaded too; mod_fleet replaces it (same hc* parameters, "
           "ProxyHCExpr and ProxyHCTemplate): remove its LoadModule line (a2dismod proxy_hcheck) "
           "and load only one";
  }
  return "";
}

}  // namespace fleet::glue
