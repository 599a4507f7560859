// miekg_json: the JSON dnsmonster prints for a DNS message's "DNS" field, from miekg/dns
// itself. Reads one wire message per line (hex) on stdin; prints json.Marshal of the unpacked
// dns.Msg (encoding/json, so <>& are \u003c…), or "ERR <reason>" when Unpack refuses it.
// Built by MiekgOracleTests against Debian's golang-github-miekg-dns-dev (GOPATH mode).
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/miekg/dns"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<22)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		wire, err := hex.DecodeString(in.Text())
		if err != nil {
			fmt.Fprintln(out, "ERR hex:", err)
			continue
		}
		var msg dns.Msg
		if err := msg.Unpack(wire); err != nil {
			fmt.Fprintln(out, "ERR", err)
			continue
		}
		text, err := json.Marshal(msg)
		if err != nil {
			fmt.Fprintln(out, "ERR marshal:", err)
			continue
		}
		fmt.Fprintln(out, string(text))
	}
}
