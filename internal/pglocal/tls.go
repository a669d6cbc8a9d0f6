package pglocal

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// With Config.TLS the cluster generates, once, a private CA and a server
// certificate for localhost / 127.0.0.1 / ::1 signed by it, under
// Dir/tls/, and starts with ssl=on. Clients verify the server with
// sslmode=verify-full&sslrootcert=Dir/tls/ca.crt (URL and SuperuserURL
// carry both).

func (c *Cluster) tlsDir() string { return filepath.Join(c.cfg.Dir, "tls") }

// CAFile is the CA certificate clients verify the server with; "" when the
// cluster runs without TLS.
func (c *Cluster) CAFile() string {
	if !c.cfg.TLS {
		return ""
	}
	return filepath.Join(c.tlsDir(), "ca.crt")
}

func (c *Cluster) serverCertFile() string { return filepath.Join(c.tlsDir(), "server.crt") }
func (c *Cluster) serverKeyFile() string  { return filepath.Join(c.tlsDir(), "server.key") }

// sslQuery is the query string of the cluster's URLs.
func (c *Cluster) sslQuery() string {
	if !c.cfg.TLS {
		return "sslmode=disable"
	}
	return url.Values{"sslmode": {"verify-full"}, "sslrootcert": {c.CAFile()}}.Encode()
}

// tlsArgs are the server's command-line settings for TLS.
func (c *Cluster) tlsArgs() []string {
	if !c.cfg.TLS {
		return nil
	}
	return []string{"-c", "ssl=on", "-c", "ssl_cert_file=" + c.serverCertFile(), "-c", "ssl_key_file=" + c.serverKeyFile(),
		"-c", "ssl_min_protocol_version=TLSv1.2"}
}

// ensureTLS creates the CA and the server certificate when missing; the
// server's key belongs to the server's OS user, mode 0600 (Postgres
// refuses a key others can read).
func (c *Cluster) ensureTLS(owner *credential) error {
	if !c.cfg.TLS {
		return nil
	}
	if _, err := os.Stat(c.serverKeyFile()); err == nil {
		return nil
	}
	if err := os.MkdirAll(c.tlsDir(), 0o755); err != nil {
		return fmt.Errorf("tls directory: %w", err)
	}
	if err := owner.chown(c.tlsDir()); err != nil {
		return err
	}
	ca, caKey, err := newCA()
	if err != nil {
		return err
	}
	certDER, key, err := newServerCert(ca, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	files := []struct {
		path, kind string
		der        []byte
		mode       os.FileMode
	}{
		{c.CAFile(), "CERTIFICATE", ca.Raw, 0o644},
		{c.serverCertFile(), "CERTIFICATE", certDER, 0o644},
		{c.serverKeyFile(), "EC PRIVATE KEY", keyDER, 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der}), f.mode); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		if err := owner.chown(f.path); err != nil {
			return err
		}
	}
	return nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
}

// newCA makes a self-signed CA (ECDSA P-256, ten years). Its key is not
// kept: the one server certificate is all it ever signs.
func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: "cch local PostgreSQL CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, err
}

func newServerCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey) ([]byte, *ecdsa.PrivateKey, error) {
	if ca == nil || caKey == nil {
		return nil, nil, errors.New("no CA")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create server certificate: %w", err)
	}
	return der, key, nil
}
