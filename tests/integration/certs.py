"""Certificates made at test time with the openssl command: a CA, server certificates for
127.0.0.1, and client certificates (good, expired), all in one temporary directory."""
import os
import subprocess
import tempfile


def _run(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class Pki:
    def __init__(self, name="Fleet Test CA"):
        self.dir = tempfile.mkdtemp(prefix="fleet-pki-")
        os.chmod(self.dir, 0o755)
        self.ca_key = self.path("ca.key")
        self.ca_cert = self.path("ca.pem")
        _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key,
             "-out", self.ca_cert, "-days", "30", "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, cn, san=None, days=30, client=False, not_after=None):
        """Returns (cert, key) paths. not_after ("YYYYMMDDHHMMSSZ") makes an expired one."""
        key, csr, cert = self.path(f"{name}.key"), self.path(f"{name}.csr"), self.path(f"{name}.pem")
        _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={cn}")
        ext = self.path(f"{name}.ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            f.write(f"extendedKeyUsage={'clientAuth' if client else 'serverAuth'}\n")
            if san:
                f.write(f"subjectAltName={san}\n")
        if not_after:
            # `openssl ca` can set an end date in the past; `x509 -req` cannot.
            db = self.path("index.txt")
            open(db, "a").close()
            conf = self.path("ca.cnf")
            with open(conf, "w") as f:
                f.write("[ca]\ndefault_ca=d\n[d]\n"
                        f"database={db}\nnew_certs_dir={self.dir}\n"
                        f"serial={self.path('serial')}\ndefault_md=sha256\npolicy=p\n"
                        "unique_subject=no\n[p]\ncommonName=supplied\n")
            if not os.path.exists(self.path("serial")):
                with open(self.path("serial"), "w") as f:
                    f.write("1000\n")
            _run("ca", "-batch", "-config", conf, "-cert", self.ca_cert, "-keyfile", self.ca_key,
                 "-in", csr, "-out", cert, "-startdate", "20200101000000Z", "-enddate", not_after,
                 "-extfile", ext, "-notext")
        else:
            _run("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                 "-CAcreateserial", "-out", cert, "-days", str(days), "-sha256", "-extfile", ext)
        for p in (key,):
            os.chmod(p, 0o644)  # httpd's children (www-data) read them in some tests
        return cert, key
