// Command publish sends one parcel event to the hub: POST /v1/events with a protobuf
// PublishRequest built from the same .proto files as the hub, and prints the answer.
//
//	QUANHUB_KEY=qh_... go run ./publish -gateway http://127.0.0.1:8080 -carrier SF -waybill SF1234567890
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ingest "quanhub.dev/examples/gen/quanhub/ingest/v1"
)

func main() {
	gateway := flag.String("gateway", "http://127.0.0.1:8080", "the hub's gateway")
	carrier := flag.String("carrier", "SF", "your carrier code (Kuaidi100, Kdniao or hub id)")
	waybill := flag.String("waybill", "SF1234567890", "the waybill number")
	eventID := flag.String("event-id", "", "your own unique id for the event (default: waybill+time)")
	flag.Parse()
	key := os.Getenv("QUANHUB_KEY")
	if key == "" {
		fmt.Fprintln(os.Stderr, "set QUANHUB_KEY to your API key")
		os.Exit(2)
	}
	now := time.Now()
	if *eventID == "" {
		*eventID = fmt.Sprintf("%s-%d", *waybill, now.UnixNano())
	}
	eWaybill := true
	request := &ingest.PublishRequest{Events: []*ingest.Event{{
		EventId:    *eventID,
		OccurredAt: timestamppb.New(now),
		Body: &ingest.Event_Parcel{Parcel: &ingest.ParcelEvent{
			CarrierCode:  *carrier,
			WaybillNo:    *waybill,
			CodeSystem:   "kuaidi100",
			Code:         "103", // 已揽收, picked up
			Description:  "【济南历下区营业部】已揽收",
			Location:     "济南历下区营业部",
			DistrictCode: "370102",
			EWaybill:     &eWaybill,
			TransitBag:   ingest.TransitBag_TRANSIT_BAG_RECYCLABLE,
		}},
	}}}
	body, err := proto.Marshal(request)
	if err != nil {
		fail(err)
	}
	req, err := http.NewRequest(http.MethodPost, *gateway+"/v1/events", bytes.NewReader(body))
	if err != nil {
		fail(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Accept", "application/x-protobuf")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		fail(err) // a timeout is safe to retry: the same event id counts once
	}
	defer resp.Body.Close()
	payload, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		// 429 and 503 carry Retry-After: wait that long and send the same batch again.
		fmt.Fprintf(os.Stderr, "%d Retry-After=%q %s\n", resp.StatusCode, resp.Header.Get("Retry-After"), payload)
		os.Exit(1)
	}
	var answer ingest.PublishResponse
	if err := proto.Unmarshal(payload, &answer); err != nil {
		fail(err)
	}
	out, _ := json.Marshal(map[string]any{"accepted": answer.GetAccepted(), "rejected": answer.GetRejected()})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
