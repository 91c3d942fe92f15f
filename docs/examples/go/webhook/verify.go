// Package webhook verifies and receives the hub's signed webhook deliveries.
//
// Quanhub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">. Verify the
// raw bytes, compare in constant time, refuse a t too far from your clock (replays), and
// accept when any v1 entry matches (there are two while a secret is being rotated).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Tolerance is how far a signature's timestamp may be from the receiver's clock.
const Tolerance = 5 * time.Minute

// Verify reports whether header signs body with secret, within tolerance of now.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var timestamp int64 = -1
	var candidates []string
	for _, part := range strings.Split(header, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "t":
			if t, err := strconv.ParseInt(value, 10, 64); err == nil {
				timestamp = t
			}
		case "v1":
			candidates = append(candidates, value)
		}
	}
	if timestamp < 0 || len(candidates) == 0 {
		return false
	}
	if delta := now.Sub(time.Unix(timestamp, 0)); delta > tolerance || delta < -tolerance {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	expected := []byte(hex.EncodeToString(mac.Sum(nil)))
	for _, candidate := range candidates {
		if hmac.Equal(expected, []byte(candidate)) {
			return true
		}
	}
	return false
}

// Delivery is one webhook batch; events are the hub's event documents, in seq order.
type Delivery struct {
	DeliveryID     string            `json:"delivery_id"`
	SubscriptionID string            `json:"subscription_id"`
	Events         []json.RawMessage `json:"events"`
}

// Handler verifies each delivery and passes it on; a 2xx acknowledges it, anything else
// makes the hub retry the same batch (same Quanhub-Delivery-Id) later.
func Handler(secret string, handle func(Delivery) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil || !Verify(secret, r.Header.Get("Quanhub-Signature"), body, time.Now(), Tolerance) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var delivery Delivery
		if err := json.Unmarshal(body, &delivery); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		if err := handle(delivery); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
