// What a proxied request tells its member about the client, whatever the scheme (http, fcgi,
// scgi, uwsgi, ajp, h2, ws): which of the client's own header lines are removed, and which
// headers mod_fleet sets instead. Names are matched the way CGI, WSGI and Rack read them (case
// ignored, '_' and '.' as '-'), so `X_SSL_Client_Verify` is removed as surely as
// `X-SSL-Client-Verify`. The glue computes a plan once per request and applies it to the request
// headers before the scheme handler runs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/common/headers.h"
#include "shared/common/status.h"
#include "shared/offload/forwarded.h"
#include "shared/offload/tls_facts.h"

namespace fleet::offload {

// Client headers that never reach a member beyond the TLS facts' own names: the forwarding and
// TLS names other proxies set and applications trust (X-Forwarded-Ssl, X-Real-IP, SSL_CLIENT_*,
// ...), plus FleetStripHeader additions (a name, or a prefix ending in '*'), minus FleetKeepHeader
// names. Built at configuration time.
class StripRules {
 public:
  static StripRules defaults();
  common::Status add(std::string_view pattern);  // FleetStripHeader
  common::Status keep(std::string_view name);    // FleetKeepHeader
  // `folded` as common::foldedFieldName gives it.
  bool strips(std::string_view folded) const;
  bool keeps(std::string_view folded) const;

 private:
  std::vector<std::string> names_, prefixes_, keeps_;  // folded
};

// The request as the glue reads it.
struct ForwardRequest {
  const common::HeaderList* headers = nullptr;  // the client's header lines
  std::string peerIp;      // the connection's peer (who may be a trusted proxy)
  std::string clientIp;    // the client as httpd sees it (mod_remoteip may have changed it)
  std::string host;        // the Host the client sent ("" when none)
  std::string serverName;  // this server's ServerName
  bool https = false;
  int localPort = 0;            // the port the client connected to (0 unknown)
  bool proxyAddHeaders = true;  // ProxyAddHeaders: this proxy adds itself to X-Forwarded-*
};

// mod_ssl's variables (SSL_CLIENT_VERIFY, ...); nullopt when unset or empty.
using SslLookup = std::function<std::optional<std::string>(const char* name)>;

enum class ForwardScope {
  kTls,         // FleetForwardTLS on: forwarding and TLS names, TLS facts from mod_ssl
  kForwarding,  // a FleetCache location without FleetForwardTLS: forwarding names only, and only
                // for clients that are not trusted proxies (cache poisoning through unkeyed
                // headers)
};

// An X-Forwarded-For/-Host/-Server value: what a trusted proxy in front sent (else empty), and
// that with this proxy's own entry appended (ProxyAddHeaders).
struct ForwardedChain {
  std::string incoming, full;
};

struct ForwardPlan {
  std::vector<std::string> remove;  // header names as the client spelled them
  common::HeaderList set;           // set after the removals (replacing)
  ForwardedChain forwardedFor, forwardedHost, forwardedServer;
};

// The X-Forwarded-For/-Host/-Server lines for an attempt at a member over `scheme` (an empty
// value: no such header). The http, ws and h2 handlers append this proxy's own entry themselves,
// so they get the incoming chain; fcgi, scgi, uwsgi, ajp and anything else get the full one.
common::HeaderList forwardedHeaders(const ForwardPlan& plan, std::string_view scheme);

// `strip` names what FleetStripHeader adds to the removals, `keep` what FleetKeepHeader exempts
// (each section sets them separately).
ForwardPlan planForward(const ForwardRequest& req, ForwardScope scope, const HeaderNames& names,
                        const StripRules& strip, const StripRules& keep,
                        const TrustedProxies* trusted, const SslLookup& ssl);

}  // namespace fleet::offload
