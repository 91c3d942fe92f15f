package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The vector below was produced by the hub's own signer
// (quanhub.ledger.feeds.signing.signature_header); tests/e2e/test_partner_examples.py
// checks that it still is.
const (
	secret = "whsec_example"
	body   = `{"delivery_id":"d1","subscription_id":"s1","events":[]}`
	header = "t=1764321120,v1=290775f8dd412322a3dd24db2cb2b3417f031a9f6ed6793e6389de88657c3f0d"
)

var signedAt = time.Unix(1764321120, 0)

func TestVerifyAcceptsTheHubsSignature(t *testing.T) {
	if !Verify(secret, header, []byte(body), signedAt.Add(time.Minute), Tolerance) {
		t.Fatal("a valid signature was refused")
	}
	rotated := "t=1764321120,v1=" + strings.Repeat("0", 64) + "," + header[len("t=1764321120,"):]
	if !Verify(secret, rotated, []byte(body), signedAt, Tolerance) {
		t.Fatal("any matching v1 entry must be accepted")
	}
}

func TestVerifyRefusesTamperingReplaysAndOtherSecrets(t *testing.T) {
	cases := map[string]bool{
		"body changed":  Verify(secret, header, []byte(body+" "), signedAt, Tolerance),
		"other secret":  Verify("whsec_other", header, []byte(body), signedAt, Tolerance),
		"replayed late": Verify(secret, header, []byte(body), signedAt.Add(6*time.Minute), Tolerance),
		"no timestamp":  Verify(secret, header[len("t=1764321120,"):], []byte(body), signedAt, Tolerance),
		"empty":         Verify(secret, "", []byte(body), signedAt, Tolerance),
	}
	for name, accepted := range cases {
		if accepted {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHandlerAnswers401WithoutAValidSignature(t *testing.T) {
	called := false
	handler := Handler(secret, func(Delivery) error { called = true; return nil })
	request := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
	request.Header.Set("Quanhub-Signature", header) // signed long ago: a replay
	recorder := httptest.NewRecorder()
	handler.ServeHTTP(recorder, request)
	if recorder.Code != http.StatusUnauthorized || called {
		t.Fatalf("got %d, called=%v", recorder.Code, called)
	}
}
