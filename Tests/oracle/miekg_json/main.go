// miekg_json: the JSON dnsmonster prints for a DNS message's "DNS" field, from miekg/dns
// itself. Reads one wire message per line (hex) on stdin; prints json.Marshal of the unpacked
// dns.Msg (encoding/json, so <>& are \u003c…), or "ERR <reason>" when Unpack refuses it.
// Built by MiekgOracleTests against Debian's golang-github-miekg-dns-dev (GOPATH mode).
//
// Other modes, chosen by the first argument:
//   rr              for each message, a JSON array of RR.String() of every record, answer,
//                   authority and additional sections in order (or "ERR …");
//   template TEXT   each line is "hex<TAB>golden JSON line" (json_golden.tsv's columns); prints
//                   the JSON string of what text/template TEXT writes for dnsmonster's DNSResult
//                   of that message and metadata (an execution error prints "ERR …").
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/miekg/dns"
)

// DNSResult is dnsmonster's record type (internal/util/types.go).
type DNSResult struct {
	Timestamp    time.Time
	DNS          dns.Msg
	IPVersion    uint8
	SrcIP        net.IP
	SrcPort      uint16 `json:",omitempty"`
	DstIP        net.IP
	DstPort      uint16 `json:",omitempty"`
	Protocol     string
	PacketLength uint16
	Identity     string `json:",omitempty"`
	Version      string `json:",omitempty"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "rr" {
		rrMode()
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "template" {
		templateMode(os.Args[2])
		return
	}
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

func rrMode() {
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
		texts := []string{}
		for _, section := range [][]dns.RR{msg.Answer, msg.Ns, msg.Extra} {
			for _, rr := range section {
				texts = append(texts, rr.String())
			}
		}
		text, _ := json.Marshal(texts)
		fmt.Fprintln(out, string(text))
	}
}

func templateMode(source string) {
	tmpl, err := template.New("gotemplate").Parse(source)
	if err != nil {
		fmt.Println("ERR parse:", err)
		return
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<22)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		columns := strings.SplitN(in.Text(), "\t", 2)
		wire, _ := hex.DecodeString(columns[0])
		var result DNSResult
		var meta struct {
			Timestamp    time.Time
			IPVersion    uint8
			SrcIP        net.IP
			SrcPort      uint16
			DstIP        net.IP
			DstPort      uint16
			Protocol     string
			PacketLength uint16
		}
		if err := json.Unmarshal([]byte(columns[1]), &meta); err != nil {
			fmt.Fprintln(out, "ERR json:", err)
			continue
		}
		if err := result.DNS.Unpack(wire); err != nil {
			fmt.Fprintln(out, "ERR", err)
			continue
		}
		result.Timestamp = meta.Timestamp.UTC()
		result.IPVersion, result.SrcPort, result.DstPort = meta.IPVersion, meta.SrcPort, meta.DstPort
		result.SrcIP, result.DstIP = meta.SrcIP, meta.DstIP
		if meta.IPVersion == 4 {
			result.SrcIP, result.DstIP = meta.SrcIP.To4(), meta.DstIP.To4()
		}
		result.Protocol, result.PacketLength = meta.Protocol, meta.PacketLength
		var text strings.Builder
		if err := tmpl.Execute(&text, result); err != nil {
			fmt.Fprintln(out, "ERR exec:", err)
			continue
		}
		quoted, _ := json.Marshal(text.String())
		fmt.Fprintln(out, string(quoted))
	}
}
