@testable import DMFormats
import DMRecord
import DMTestSupport
import Testing

/// The renderer on messages built to reach every corner of miekg's JSON: each EDNS option and
/// SVCB key, fields left at zero when RDATA ends early, miekg's escapes in names and strings,
/// raw text with invalid UTF-8 and control bytes, the less common types, IPv6 text forms and
/// the extended rcode. The expected "DNS" values were printed by miekg/dns 1.1.50 with Go's
/// encoding/json (Tests/oracle/miekg_json), except that `\b` and `\f` are written as Go 1.22
/// and later write them (dnsmonster builds with Go 1.25; Go 1.19 wrote `\u0008`, `\u000c`).
@Suite("dnsmonster JSON per type")
struct DNSMonsterJSONTypeTests {
    static let cases: [(label: String, hex: String, json: String)] = [
        (
            "EDNS options miekg knows, and extended rcode bits",
            "000781830001000000000001076578616d706c65000001000100002904d001008000008e000300026162000c000300000000090000000b00020064000f00170012626c6f636b6564203c62793e2022706f6c6963792200010012000102030405060708090a0b0c0d0e0f10110002000800000e100000003c00050002080d000400077369703a614062fde90001ff000800080002380020010db80008000400000000000900040000010000060000000a0000",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":19,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":null,"Ns":null,"Extra":[{"Hdr":{"Name":".","Rrtype":41,"Class":1232,"Ttl":16809984,"Rdlength":142},"Option":[{"Code":0,"Nsid":"6162"},{"Padding":"AAAA"},{"Code":0,"Expire":0,"Empty":true},{"Code":0,"Timeout":100,"Length":0},{"InfoCode":18,"ExtraText":"blocked \u003cby\u003e \"policy\""},{"Code":0,"Version":1,"Opcode":515,"Error":1029,"Id":434324723980766221,"LeaseLife":235868177},{"Code":0,"Lease":3600,"KeyLease":60},{"Code":0,"AlgCode":"CA0="},{"Code":4,"Uri":"sip:a@b"},{"Code":65001,"Data":"/w=="},{"Code":0,"Family":2,"SourceNetmask":56,"SourceScope":0,"Address":"2001:db8::"},{"Code":0,"Family":0,"SourceNetmask":0,"SourceScope":0,"Address":"0.0.0.0"},{"Code":0,"Expire":256,"Empty":false},{"Code":0,"AlgCode":""},{"Code":0,"Cookie":""}]}]}"#
        ),
        (
            "SVCB parameters of every key",
            "000781800001000100000000076578616d706c650000010001076578616d706c6500004000010000012c0061000103737663076578616d706c6500000000040001000300010000000200000003000201bb00040008c0000201c0000202000500000006001020010db8000000000000000000000001000700102f646e732d71756572797b3f646e737dfde80000",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"example.","Rrtype":64,"Class":1,"Ttl":300,"Rdlength":97},"Priority":1,"Target":"svc.example.","Value":[{"Code":[1,3]},{"Alpn":[]},{},{"Port":443},{"Hint":["192.0.2.1","192.0.2.2"]},{"ECH":null},{"Hint":["2001:db8::1"]},{"Template":"/dns-query{?dns}"},{"KeyCode":65000,"Data":null}]}],"Ns":null,"Extra":null}"#
        ),
        (
            "HTTPS ech and private key with data",
            "000781800001000100000000076578616d706c650000010001076578616d706c6500004100010000012c001400010000050006000461626364fde9000378797a",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"example.","Rrtype":65,"Class":1,"Ttl":300,"Rdlength":20},"Priority":1,"Target":".","Value":[{"ECH":"AARhYmNk"},{"KeyCode":65001,"Data":"eHl6"}]}],"Ns":null,"Extra":null}"#
        ),
        (
            "empty type bitmap, then another record",
            "000781800001000200000000076578616d706c6500000100010161076578616d706c6500002f00010000012c000e0162076578616d706c65000001000161076578616d706c6500000100010000012c000401020304",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"a.example.","Rrtype":47,"Class":1,"Ttl":300,"Rdlength":14},"NextDomain":"b.example.","TypeBitMap":null},{"Hdr":{"Name":"a.example.","Rrtype":1,"Class":1,"Ttl":300,"Rdlength":4},"A":"1.2.3.4"}],"Ns":null,"Extra":null}"#
        ),
        (
            "records ending early keep zero values",
            "000781800001000900000000076578616d706c650000010001076578616d706c6500000f00010000012c0002000a076578616d706c6500000100010000012c0000076578616d706c6500001000010000012c0000076578616d706c6500000600010000012c000c026e73076578616d706c6500076578616d706c6500002e00010000012c000400010802076578616d706c6500004000010000012c00020001076578616d706c6500002900010000012c0000076578616d706c6500001d00010000012c000100076578616d706c6500003200010000012c00050100000a00",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"example.","Rrtype":15,"Class":1,"Ttl":300,"Rdlength":2},"Preference":10,"Mx":""},{"Hdr":{"Name":"example.","Rrtype":1,"Class":1,"Ttl":300,"Rdlength":0},"A":""},{"Hdr":{"Name":"example.","Rrtype":16,"Class":1,"Ttl":300,"Rdlength":0},"Txt":null},{"Hdr":{"Name":"example.","Rrtype":6,"Class":1,"Ttl":300,"Rdlength":12},"Ns":"ns.example.","Mbox":"","Serial":0,"Refresh":0,"Retry":0,"Expire":0,"Minttl":0},{"Hdr":{"Name":"example.","Rrtype":46,"Class":1,"Ttl":300,"Rdlength":4},"TypeCovered":1,"Algorithm":8,"Labels":2,"OrigTtl":0,"Expiration":0,"Inception":0,"KeyTag":0,"SignerName":"","Signature":""},{"Hdr":{"Name":"example.","Rrtype":64,"Class":1,"Ttl":300,"Rdlength":2},"Priority":1,"Target":"","Value":null},{"Hdr":{"Name":"example.","Rrtype":41,"Class":1,"Ttl":300,"Rdlength":0},"Option":null},{"Hdr":{"Name":"example.","Rrtype":29,"Class":1,"Ttl":300,"Rdlength":1},"Version":0,"Size":0,"HorizPre":0,"VertPre":0,"Latitude":0,"Longitude":0,"Altitude":0},{"Hdr":{"Name":"example.","Rrtype":50,"Class":1,"Ttl":300,"Rdlength":5},"Hash":1,"Flags":0,"Iterations":10,"SaltLength":0,"Salt":"","HashLength":0,"NextDomain":"","TypeBitMap":null}],"Ns":null,"Extra":null}"#
        ),
        (
            "escapes in names and strings",
            "00078180000100030000000006776501697264076578616d706c65000001000102615c016209657822616d20706c6500001000010000012c00110973617920226869225c0001ff033c263e076578616d706c6500000d00010000012c000703617f6202807e076578616d706c6500000500010000012c001309782879293b7a407727076578616d706c6500",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"we\\001ird.example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"a\\\\.b.ex\\\"am\\ ple.","Rrtype":16,"Class":1,"Ttl":300,"Rdlength":17},"Txt":["say \\\"hi\\\"\\\\","","\\255","\u003c\u0026\u003e"]},{"Hdr":{"Name":"example.","Rrtype":13,"Class":1,"Ttl":300,"Rdlength":7},"Cpu":"a\\127b","Os":"\\128~"},{"Hdr":{"Name":"example.","Rrtype":5,"Class":1,"Ttl":300,"Rdlength":19},"Target":"x\\(y\\)\\;z\\@w\\'.example."}],"Ns":null,"Extra":null}"#
        ),
        (
            "raw text fields: CAA value, URI target, NULL data",
            "000781800001000300000000076578616d706c650000010001076578616d706c6500010100010000012c0017800569737375656361c3a9ff010a09080ce280a83c3e26076578616d706c6500010000010000012c001e0001000268747470733a2f2f652e6578616d706c652f3f613d3126623d32076578616d706c6500000a00010000012c0003007f80",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"example.","Rrtype":257,"Class":1,"Ttl":300,"Rdlength":23},"Flag":128,"Tag":"issue","Value":"caé\ufffd\u0001\n\t\b\f\u2028\u003c\u003e\u0026"},{"Hdr":{"Name":"example.","Rrtype":256,"Class":1,"Ttl":300,"Rdlength":30},"Priority":1,"Weight":2,"Target":"https://e.example/?a=1\u0026b=2"},{"Hdr":{"Name":"example.","Rrtype":10,"Class":1,"Ttl":300,"Rdlength":3},"Data":"\u0000\#u{7F}\ufffd"}],"Ns":null,"Extra":null}"#
        ),
        (
            "APL, HIP, TSIG, LOC, EUI48, EUI64, NID, L32, L64, TKEY, CSYNC, ZONEMD",
            "000781800001000c00000000076578616d706c650000010001076578616d706c6500002a00010000012c000f00011803c000020002408420010db8076578616d706c6500003700010000012c002402020003abcd01020303727673076578616d706c65000472767332076578616d706c6500076578616d706c650000fa00ff00000000001f0b686d61632d73686132353600000065000000012c0002aabb000700000000076578616d706c6500001d00010000012c00100012161389e8a2f08059a8b600989680076578616d706c6500006c00010000012c0006001122334455076578616d706c6500006d00010000012c00080011223344556677076578616d706c6500006800010000012c000a000affeeddccbbaa9988076578616d706c6500006900010000012c0006000a0a010203076578616d706c6500006a00010000012c000a000a0014000000000001076578616d706c650000f900010000012c001b086773732d74736967000000000100000002000300000001aa0000076578616d706c6500003e00010000012c0009000000050003000162076578616d706c6500003f00010000012c0008000000050101abcd",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"example.","Rrtype":42,"Class":1,"Ttl":300,"Rdlength":15},"Prefixes":[{"Negation":false,"Network":{"IP":"192.0.2.0","Mask":"////AA=="}},{"Negation":true,"Network":{"IP":"2001:db8::","Mask":"//////////8AAAAAAAAAAA=="}}]},{"Hdr":{"Name":"example.","Rrtype":55,"Class":1,"Ttl":300,"Rdlength":36},"HitLength":2,"PublicKeyAlgorithm":2,"PublicKeyLength":3,"Hit":"abcd","PublicKey":"AQID","RendezvousServers":["rvs.example.","rvs2.example."]},{"Hdr":{"Name":"example.","Rrtype":250,"Class":255,"Ttl":0,"Rdlength":31},"Algorithm":"hmac-sha256.","TimeSigned":1694498816,"Fudge":300,"MACSize":2,"MAC":"aabb","OrigId":7,"Error":0,"OtherLen":0,"OtherData":""},{"Hdr":{"Name":"example.","Rrtype":29,"Class":1,"Ttl":300,"Rdlength":16},"Version":0,"Size":18,"HorizPre":22,"VertPre":19,"Latitude":2313724656,"Longitude":2153359542,"Altitude":10000000},{"Hdr":{"Name":"example.","Rrtype":108,"Class":1,"Ttl":300,"Rdlength":6},"Address":73588229205},{"Hdr":{"Name":"example.","Rrtype":109,"Class":1,"Ttl":300,"Rdlength":8},"Address":4822678189205111},{"Hdr":{"Name":"example.","Rrtype":104,"Class":1,"Ttl":300,"Rdlength":10},"Preference":10,"NodeID":18441921395520346504},{"Hdr":{"Name":"example.","Rrtype":105,"Class":1,"Ttl":300,"Rdlength":6},"Preference":10,"Locator32":"10.1.2.3"},{"Hdr":{"Name":"example.","Rrtype":106,"Class":1,"Ttl":300,"Rdlength":10},"Preference":10,"Locator64":5629499534213121},{"Hdr":{"Name":"example.","Rrtype":249,"Class":1,"Ttl":300,"Rdlength":27},"Algorithm":"gss-tsig.","Inception":1,"Expiration":2,"Mode":3,"Error":0,"KeySize":1,"Key":"aa","OtherLen":0,"OtherData":""},{"Hdr":{"Name":"example.","Rrtype":62,"Class":1,"Ttl":300,"Rdlength":9},"Serial":5,"Flags":3,"TypeBitMap":[1,2,6]},{"Hdr":{"Name":"example.","Rrtype":63,"Class":1,"Ttl":300,"Rdlength":8},"Serial":5,"Scheme":1,"Hash":1,"Digest":"abcd"}],"Ns":null,"Extra":null}"#
        ),
        (
            "AAAA forms and an IPv4-mapped address",
            "000781800001000700000000076578616d706c650000010001076578616d706c6500001c00010000012c001000000000000000000000000000000000076578616d706c6500001c00010000012c001000000000000000000000000000000001076578616d706c6500001c00010000012c001020010db8000000010000000000000000076578616d706c6500001c00010000012c001020010db8000000000001000000000000076578616d706c6500001c00010000012c001000000000000000000000ffffc0000201076578616d706c6500001c00010000012c00100000000000000000000000000a000001076578616d706c6500001c00010000012c0010fe800000000000000000000000000000",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":true,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":0,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":[{"Hdr":{"Name":"example.","Rrtype":28,"Class":1,"Ttl":300,"Rdlength":16},"AAAA":"::"},{"Hdr":{"Name":"example.","Rrtype":28,"Class":1,"Ttl":300,"Rdlength":16},"AAAA":"::1"},{"Hdr":{"Name":"example.","Rrtype":28,"Class":1,"Ttl":300,"Rdlength":16},"AAAA":"2001:db8:0:1::"},{"Hdr":{"Name":"example.","Rrtype":28,"Class":1,"Ttl":300,"Rdlength":16},"AAAA":"2001:db8:0:0:1::"},{"Hdr":{"Name":"example.","Rrtype":28,"Class":1,"Ttl":300,"Rdlength":16},"AAAA":"192.0.2.1"},{"Hdr":{"Name":"example.","Rrtype":28,"Class":1,"Ttl":300,"Rdlength":16},"AAAA":"::a00:1"},{"Hdr":{"Name":"example.","Rrtype":28,"Class":1,"Ttl":300,"Rdlength":16},"AAAA":"fe80::"}],"Ns":null,"Extra":null}"#
        ),
        (
            "Rcode with extended bits from the last OPT only",
            "000781050001000000000002076578616d706c65000001000100002904d002000000000000002904d0ff0000000000",
            #"{"Id":7,"Response":true,"Opcode":0,"Authoritative":false,"Truncated":false,"RecursionDesired":true,"RecursionAvailable":false,"Zero":false,"AuthenticatedData":false,"CheckingDisabled":false,"Rcode":4085,"Question":[{"Name":"example.","Qtype":1,"Qclass":1}],"Answer":null,"Ns":null,"Extra":[{"Hdr":{"Name":".","Rrtype":41,"Class":1232,"Ttl":33554432,"Rdlength":0},"Option":null},{"Hdr":{"Name":".","Rrtype":41,"Class":1232,"Ttl":4278190080,"Rdlength":0},"Option":null}]}"#
        ),
    ]

    @Test("each message renders as miekg + encoding/json print it, and as miekg + sonic do", arguments: cases.map(\.label))
    func rendersLikeMiekg(label: String) throws {
        let testCase = try #require(Self.cases.first { $0.label == label })
        let message = Reference.bytes(hex: testCase.hex[...])
        let (rendered, error) = Reference.dnsValue(message)
        #expect(error == nil)
        #expect(rendered == testCase.json)
        #expect(Reference.dnsValue(message, escapesHTML: false).text == Reference.sonic(testCase.json))
    }
}
