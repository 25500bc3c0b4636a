"""SSL offload through a real httpd with real mod_ssl and certificates made at test time: what a
member receives (proto, port, Forwarded, client-certificate facts) over HTTP and HTTPS, spoofed
copies removed, untrusted X-Forwarded-For replaced, HSTS only on HTTPS, the HTTPS redirect and its
exemptions, re-encryption to an HTTPS member with SSLProxyVerify under every mod_fleet method, and
bad directive values."""
import base64
import hashlib
import http.client
import os
import ssl
import subprocess
import unittest

from certs import Pki
from harness import (Httpd, Member, configtest, expect_config_errors, free_port, start_script,
                     stop_process, wait_port)

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = Httpd.BASE_MODULES + ["ssl", "socache_shmcb"]

pki = other = None
member = None
tls_member = None
httpd = None
TLS_PORT = REDIRECT_PORT = 0


def echo_headers(body):
    """fleet_member's /__echo body is the request head it received: {lower name: [values]}."""
    out = {}
    for line in body.decode("latin-1").split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out.setdefault(k.strip().lower(), []).append(v.strip())
    return out


def https_request(path, cert=None, headers=None, host="127.0.0.1", port=None):
    ctx = ssl.create_default_context(cafile=pki.ca_cert)
    ctx.check_hostname = host != "127.0.0.1"
    if cert:
        ctx.load_cert_chain(*cert)
    conn = http.client.HTTPSConnection(host, port or TLS_PORT, context=ctx, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def http_request(path, headers=None, port=None, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port or httpd.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def setUpModule():
    global pki, other, member, tls_member, httpd, TLS_PORT, REDIRECT_PORT, CLIENT, EXPIRED, STRANGER
    pki = Pki()
    other = Pki("Another CA")
    server = pki.issue("server", "localhost", san="DNS:localhost,IP:127.0.0.1")
    member_cert = pki.issue("member", "127.0.0.1", san="IP:127.0.0.1")
    CLIENT = pki.issue("client", "alice", client=True)
    EXPIRED = pki.issue("expired", "mallory", client=True, not_after="20210101000000Z")
    STRANGER = other.issue("stranger", "eve", client=True)
    member = Member("echo")
    tls_member = start_script("tls_member.py", *member_cert, "t1", what="tls member")
    port = tls_member[0]
    TLS_PORT, REDIRECT_PORT = free_port(), free_port()
    m, t = member.url, f"https://127.0.0.1:{port}"

    def reenc(name, method, ca):
        return "\n".join([
            f"<Proxy balancer://{name}>", f"  BalancerMember {t}", f"  ProxySet lbmethod={method}",
            "  SSLProxyEngine on", "  SSLProxyVerify require", "  SSLProxyCheckPeerName on",
            f"  SSLProxyCACertificateFile {ca}", "</Proxy>",
            f"ProxyPass /{name}/ balancer://{name}/"])

    conf = "\n".join([
        f"Listen 127.0.0.1:{TLS_PORT}", f"Listen 127.0.0.1:{REDIRECT_PORT}",
        "SSLSessionCache none",
        # The plain-HTTP main server: facts forwarded, nobody trusted except under /trusted/.
        "FleetForwardTLS on",
        f"ProxyPass /app/ {m}/",
        f"ProxyPass /trusted/ {m}/",
        "<Location /trusted/>\n  FleetTrustedProxies 127.0.0.0/8 ::1\n</Location>",
        f"ProxyPass /off/ {m}/",
        "<Location /off/>\n  FleetForwardTLS off\n</Location>",
        "FleetHSTS max-age=600 includeSubDomains",
        reenc("reenc-p2c", "p2c", pki.ca_cert),
        reenc("reenc-ewma", "ewma", pki.ca_cert),
        reenc("reenc-maglev", "maglev", pki.ca_cert),
        reenc("wrongca", "p2c", other.ca_cert),
        f"<VirtualHost 127.0.0.1:{TLS_PORT}>",
        "  ServerName localhost",
        "  SSLEngine on",
        f"  SSLCertificateFile {server[0]}", f"  SSLCertificateKeyFile {server[1]}",
        f"  SSLCACertificateFile {pki.ca_cert}",
        "  SSLVerifyClient optional_no_ca",
        "  FleetForwardTLS on",
        "  FleetForwardTLSHeader tls-protocol X-SSL-Protocol",
        "  FleetForwardTLSHeader tls-sni X-SSL-SNI",
        "  FleetForwardTLSHeader client-cert-chain Client-Cert-Chain",
        "  FleetForwardTLSHeader client-serial X-Client-Serial",
        "  FleetHSTS max-age=600 includeSubDomains",
        f"  ProxyPass /app/ {m}/",
        "</VirtualHost>",
        f"<VirtualHost 127.0.0.1:{REDIRECT_PORT}>",
        "  ServerName www.example",
        f"  FleetRedirectHTTPS on",
        f"  FleetRedirectHTTPSPort {TLS_PORT}",
        "  FleetRedirectHTTPSExempt /.well-known/acme-challenge/ /healthz",
        f"  ProxyPass /healthz {m}/__echo",
        f"  ProxyPass /.well-known/acme-challenge/ {m}/",
        "  <Location /legacy/>\n    FleetRedirectHTTPS on 301\n  </Location>",
        "</VirtualHost>",
    ])
    httpd = Httpd(conf, modules=MODULES).start()
    wait_port(TLS_PORT, httpd.proc, what="httpd TLS")


def tearDownModule():
    if httpd:
        httpd.cleanup()
    if member:
        member.stop()
    if tls_member:
        stop_process(tls_member[1])


SPOOFS = {"X-Forwarded-Proto": "https", "X-Forwarded-Port": "1", "Forwarded": "for=6.6.6.6;proto=https",
          "X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-S-DN": "CN=admin", "Client-Cert": ":AAAA:",
          "X-SSL-Client-SHA256": "00", "X-SSL-Protocol": "TLSv1.3",
          "X-Forwarded-For": "6.6.6.6", "X-Forwarded-Host": "evil.example", "Client-Cert-Chain": ":AA:"}


class Forwarding(unittest.TestCase):
    def test_plain_http_facts(self):
        status, _, body = http_request("/app/__echo", headers={"Host": "shop.example:8080"})
        self.assertEqual(status, 200)
        h = echo_headers(body)
        self.assertEqual(h["x-forwarded-proto"], ["http"])
        self.assertEqual(h["x-forwarded-port"], [str(httpd.port)])
        self.assertEqual(h["forwarded"], ['for=127.0.0.1;proto=http;host="shop.example:8080"'])
        self.assertEqual(h["x-forwarded-for"], ["127.0.0.1"])
        for absent in ("x-ssl-client-verify", "client-cert", "x-ssl-protocol"):
            self.assertNotIn(absent, h)

    def test_https_without_client_certificate(self):
        status, headers, body = https_request("/app/__echo")
        self.assertEqual(status, 200)
        h = echo_headers(body)
        self.assertEqual(h["x-forwarded-proto"], ["https"])
        self.assertEqual(h["x-forwarded-port"], [str(TLS_PORT)])
        self.assertEqual(h["forwarded"], [f'for=127.0.0.1;proto=https;host="127.0.0.1:{TLS_PORT}"'])
        self.assertIn(h["x-ssl-protocol"][0], ("TLSv1.2", "TLSv1.3"))
        for absent in ("x-ssl-client-verify", "x-ssl-client-s-dn", "client-cert", "x-ssl-sni",
                       "client-cert-chain"):
            self.assertNotIn(absent, h)  # no client certificate, no SNI for an IP: omitted
        for v in sum(h.values(), []):
            self.assertNotIn("(null)", v)

    def test_https_with_client_certificate(self):
        status, _, body = https_request("/app/__echo", cert=CLIENT, host="localhost")
        self.assertEqual(status, 200)
        h = echo_headers(body)
        self.assertEqual(h["x-ssl-client-verify"], ["SUCCESS"])
        self.assertEqual(h["x-ssl-client-s-dn"], ["CN=alice"])
        self.assertEqual(h["x-ssl-client-i-dn"], ["CN=Fleet Test CA"])
        self.assertEqual(h["x-ssl-sni"], ["localhost"])
        pem = open(CLIENT[0]).read()
        der = ssl.PEM_cert_to_DER_cert(pem)
        self.assertEqual(h["client-cert"], [":" + base64.b64encode(der).decode() + ":"])
        self.assertEqual(h["x-ssl-client-sha256"], [hashlib.sha256(der).hexdigest()])
        serial = subprocess.run(["openssl", "x509", "-noout", "-serial", "-in", CLIENT[0]],
                                capture_output=True, text=True).stdout.strip().split("=")[1]
        self.assertEqual(h["x-client-serial"], [serial])  # renamed by FleetForwardTLSHeader
        self.assertNotIn("x-ssl-client-serial", h)
        enddate = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", CLIENT[0]],
                                 capture_output=True, text=True).stdout.strip().split("=")[1]
        self.assertEqual(h["x-ssl-client-not-after"], [enddate])
        self.assertIn("client-cert-chain", h)

    def test_client_certificate_from_an_unknown_ca_is_marked(self):
        _, _, body = https_request("/app/__echo", cert=STRANGER)
        h = echo_headers(body)
        # mod_ssl's optional_no_ca lets it in and says why it is not verified.
        self.assertEqual(h["x-ssl-client-verify"], ["FAILED:unable to verify the first certificate"])
        self.assertEqual(h["x-ssl-client-i-dn"], ["CN=Another CA"])

    def test_expired_client_certificate_gets_nothing_through(self):
        before = member.served()
        with self.assertRaises((ssl.SSLError, ConnectionError, http.client.HTTPException, OSError)):
            https_request("/app/__echo", cert=EXPIRED)
        self.assertEqual(member.served(), before)

    def test_spoofed_headers_never_arrive(self):
        # X-Client-Serial is a name only the TLS virtual host forwards (FleetForwardTLSHeader).
        tls_spoofs = dict(SPOOFS, **{"X-Client-Serial": "01"})
        for send in (lambda: http_request("/app/__echo", headers=SPOOFS),
                     lambda: https_request("/app/__echo", headers=tls_spoofs)):
            _, _, body = send()
            h = echo_headers(body)
            for name in SPOOFS:
                for v in h.get(name.lower(), []):
                    self.assertNotIn("6.6.6.6", v)
                    self.assertNotIn(v, ("SUCCESS", "CN=admin", ":AAAA:", "00", "01", "evil.example",
                                         ":AA:", "1"), name)
            self.assertNotIn("x-ssl-client-verify", h)
            self.assertEqual(h["x-forwarded-for"], ["127.0.0.1"])
            self.assertNotIn("evil.example", h.get("x-forwarded-host", [""])[0])

    def test_trusted_proxies_keep_their_chain(self):
        _, _, body = http_request("/trusted/__echo", headers={
            "X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9;proto=https",
            "X-Forwarded-Proto": "https"})
        h = echo_headers(body)
        self.assertEqual(h["x-forwarded-for"], ["203.0.113.9, 127.0.0.1"])
        self.assertEqual(h["forwarded"], ["for=203.0.113.9;proto=https, for=127.0.0.1;proto=http;"
                                          f'host="127.0.0.1:{httpd.port}"'])
        self.assertEqual(h["x-forwarded-proto"], ["http"])  # TLS facts come from mod_ssl only
        # A trusted proxy's chain that does not parse is dropped, not passed on.
        _, _, body = http_request("/trusted/__echo", headers={"X-Forwarded-For": "evil, 1.2.3.4",
                                                              "Forwarded": 'for="broken'})
        h = echo_headers(body)
        self.assertEqual(h["x-forwarded-for"], ["127.0.0.1"])
        self.assertEqual(h["forwarded"], [f'for=127.0.0.1;proto=http;host="127.0.0.1:{httpd.port}"'])

    def test_forward_tls_off_leaves_headers_alone(self):
        _, _, body = http_request("/off/__echo", headers={"X-Forwarded-Proto": "https"})
        h = echo_headers(body)
        self.assertEqual(h["x-forwarded-proto"], ["https"])
        self.assertNotIn("forwarded", h)


class HttpsPolicy(unittest.TestCase):
    def test_hsts_only_on_https(self):
        _, headers, _ = https_request("/app/x")
        self.assertEqual(headers["strict-transport-security"], "max-age=600; includeSubDomains")
        _, headers, _ = https_request("/no-such-page")  # error responses too
        self.assertEqual(headers["strict-transport-security"], "max-age=600; includeSubDomains")
        _, headers, _ = http_request("/app/x")
        self.assertNotIn("strict-transport-security", headers)

    def test_redirect_keeps_path_and_query(self):
        status, headers, _ = http_request("/a/b?x=1&y=%20z", port=REDIRECT_PORT,
                                          headers={"Host": "www.example"})
        self.assertEqual(status, 308)
        self.assertEqual(headers["location"], f"https://www.example:{TLS_PORT}/a/b?x=1&y=%20z")
        status, headers, _ = http_request("/form", port=REDIRECT_PORT, method="POST",
                                          headers={"Host": "www.example", "Content-Length": "0"})
        self.assertEqual(status, 308)
        status, headers, _ = http_request("/legacy/page", port=REDIRECT_PORT,
                                          headers={"Host": "www.example"})
        self.assertEqual(status, 301)

    def test_redirect_ignores_a_forged_host(self):
        # httpd itself refuses a Host that is no host name (the core's own check is the unit
        # test of https_policy); a real one is kept, lower-cased, with its port replaced.
        for forged in ("evil.example/@x", "evil!example", "a;b=c"):
            status, headers, _ = http_request("/x", port=REDIRECT_PORT, headers={"Host": forged})
            self.assertEqual(status, 400, forged)
            self.assertNotIn("location", headers)
        status, headers, _ = http_request("/x", port=REDIRECT_PORT, headers={"Host": "Shop.Example:80"})
        self.assertEqual(headers["location"], f"https://shop.example:{TLS_PORT}/x")

    def test_exemptions_are_not_redirected(self):
        status, _, _ = http_request("/.well-known/acme-challenge/tok", port=REDIRECT_PORT)
        self.assertEqual(status, 200)
        status, _, _ = http_request("/healthz", port=REDIRECT_PORT)
        self.assertEqual(status, 200)


class ReEncryption(unittest.TestCase):
    def test_every_method_reaches_an_https_member_with_verification(self):
        for method in ("p2c", "ewma", "maglev"):
            with self.subTest(method=method):
                status, headers, body = http_request(f"/reenc-{method}/")
                self.assertEqual(status, 200, httpd.error_log()[-1500:])
                self.assertEqual(body, b"tls member t1\n")

    def test_wrong_ca_fails_cleanly(self):
        status, _, _ = http_request("/wrongca/")
        self.assertIn(status, (500, 502, 503))
        self.assertRegex(httpd.error_log(), r"certificate verify failed|SSL Proxy connect failed|"
                                            r"AH02039|AH01084")


class Configuration(unittest.TestCase):
    def test_bad_values_fail_configtest(self):
        cases = [
            (["FleetForwardTLS maybe"], "FleetForwardTLS"),
            (["FleetForwardTLSHeader client-verfy X-V"], "'client-verfy' is not a TLS fact; accepted: proto"),
            (["FleetForwardTLSHeader proto 'Bad Name'"], "header name 'Bad Name' is not valid"),
            (["FleetTrustedProxies 10.0.0.0/33"], "FleetTrustedProxies: '10.0.0.0/33' is not valid"),
            (["FleetHSTS includeSubDomains"], "FleetHSTS includeSubDomains: max-age is missing"),
            (["FleetHSTS max-age=60 includeSubDomains preload"], "preload needs includeSubDomains and max-age"),
            (["FleetRedirectHTTPS on 200"], "FleetRedirectHTTPS: '200' is not valid; accepted: 301, 302, 303, 307, 308"),
            (["FleetRedirectHTTPS sometimes"], "FleetRedirectHTTPS: 'sometimes' is not valid"),
            (["FleetRedirectHTTPSPort 70000"], "FleetRedirectHTTPSPort: '70000' is not valid"),
            (["FleetRedirectHTTPSExempt healthz"], "FleetRedirectHTTPSExempt: 'healthz' is not valid"),
        ]
        expect_config_errors(self, cases, modules=MODULES)

    def test_good_values_pass(self):
        rc, out = configtest("\n".join(["FleetForwardTLS on", "FleetTrustedProxies 10.0.0.0/8 2001:db8::/32",
                                  "FleetForwardTLSHeader client-cert off",
                                  "FleetHSTS max-age=31536000 includeSubDomains preload",
                                  "FleetRedirectHTTPS on 301", "FleetRedirectHTTPSExempt /.well-known/"]),
                             modules=MODULES)
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()
