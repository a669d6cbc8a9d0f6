package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWarehouseBoundsAndTLSFlags(t *testing.T) {
	t.Setenv("CCH_MAX_ANSWER_BYTES", "1048576")
	w := &warehouseCmd{stdout: io.Discard, stderr: io.Discard}
	if err := w.Parse([]string{"--database-url", "postgres://x", "--max-queries-per-caller", "3", "--max-temp-size", "1GB"}); err != nil {
		t.Fatal(err)
	}
	if b := w.cfg.Bounds; b.MaxAnswerBytes != 1<<20 || b.MaxQueriesPerCaller != 3 || b.MaxQueries != 8 || b.MaxTempSize != "1GB" {
		t.Errorf("bounds %+v", b)
	}
	for _, args := range [][]string{
		{"--flight-sql", "127.0.0.1:0", "--api-database-url", "postgres://y", "--flight-tls-cert", "c.pem"},
		{"--flight-tls-cert", "c.pem", "--flight-tls-key", "k.pem"},
		{"--max-queries", "0"},
	} {
		w := &warehouseCmd{stdout: io.Discard, stderr: io.Discard}
		if err := w.Parse(append([]string{"--database-url", "postgres://x"}, args...)); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	d := &devCmd{stdout: io.Discard, stderr: io.Discard}
	if err := d.Parse([]string{"--max-queries", "4"}); err != nil || d.cfg.Bounds.MaxQueries != 4 || d.cfg.Bounds.MaxAnswerBytes != 1<<20 {
		t.Errorf("dev bounds %+v: %v", d.cfg.Bounds, err)
	}
}

func TestFlightTLSLoadsKeyPair(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, cert, key)
	cfg, err := flightTLS(cert, key)
	if err != nil || cfg == nil || len(cfg.Certificates) != 1 {
		t.Fatalf("flightTLS: %v, %v", cfg, err)
	}
	if cfg, err := flightTLS("", ""); cfg != nil || err != nil {
		t.Errorf("no files: %v, %v", cfg, err)
	}
	if _, err := flightTLS(key, cert); err == nil || !strings.Contains(err.Error(), "flight sql tls") {
		t.Errorf("swapped files: %v", err)
	}
}

func writeSelfSigned(t *testing.T, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
}
