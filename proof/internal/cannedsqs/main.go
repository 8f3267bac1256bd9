// Command cannedsqs is the ceiling of the SQS server benchmark: a net/http
// server that reads each request of its workload whole and writes a
// prepared answer, so that what it costs is net/http's and what the
// workload reaches against it is what aws-sdk-go-v2 and net/http allow on
// the machine, whatever the server does. It answers CreateQueue,
// SendMessageBatch of up to ten entries with ids "0".."9", ReceiveMessage
// with ten messages of -body bytes and DeleteMessageBatch, each correct
// for the SDK's checks (the MD5s of the bodies); it keeps no state.
//
//	cannedsqs -addr 127.0.0.1:0 -body 500
//
// It prints "cannedsqs listening on http://ADDR" once it serves.
package main

import (
	"crypto/md5"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	size := flag.Int("body", 500, "bytes of each received message's body")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannedsqs:", err)
		os.Exit(1)
	}
	answers := cannedAnswers(*size)
	fmt.Printf("cannedsqs listening on http://%s\n", ln.Addr())
	err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		answer, ok := answers[op]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write(answer)
	}))
	fmt.Fprintln(os.Stderr, "cannedsqs:", err)
	os.Exit(1)
}

// cannedAnswers are the answers by operation.
func cannedAnswers(size int) map[string][]byte {
	body := strings.Repeat("x", size)
	sum := md5.Sum([]byte(body))
	md5Body := hex.EncodeToString(sum[:])
	var sent, received, deleted []string
	for i := range 10 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		sent = append(sent, fmt.Sprintf(`{"Id":"%d","MessageId":"%s","MD5OfMessageBody":"%s"}`, i, id, md5Body))
		received = append(received, fmt.Sprintf(`{"MessageId":"%s","ReceiptHandle":"canned-%d","MD5OfBody":"%s","Body":"%s"}`,
			id, i, md5Body, body))
		deleted = append(deleted, fmt.Sprintf(`{"Id":"%d"}`, i))
	}
	return map[string][]byte{
		"CreateQueue":        []byte(`{"QueueUrl":"http://127.0.0.1/000000000000/canned"}`),
		"SendMessageBatch":   []byte(`{"Successful":[` + strings.Join(sent, ",") + `],"Failed":[]}`),
		"ReceiveMessage":     []byte(`{"Messages":[` + strings.Join(received, ",") + `]}`),
		"DeleteMessageBatch": []byte(`{"Successful":[` + strings.Join(deleted, ",") + `],"Failed":[]}`),
	}
}
