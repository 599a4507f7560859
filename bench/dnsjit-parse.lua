#!/usr/bin/env dnsjit
-- dnsjit's parse loop for bench/parse.sh: read a pcap, walk Ethernet/IP/UDP/TCP with
-- dnsjit.filter.layer, and parse every DNS payload in full (header, every question, every
-- resource record) with preallocated objects, as dnsjit's own examples do. Prints
-- "dns_messages=N malformed=M" so the benchmark can check the work was done.
-- dnsjit neither reassembles TCP nor defragments IP: a TCP payload is parsed as one message
-- behind its 2-byte length.
local pcap = arg[2]
if pcap == nil then
    io.stderr:write("usage: " .. arg[1] .. " <pcap>\n")
    os.exit(2)
end

local object = require("dnsjit.core.objects")
local input = require("dnsjit.input.mmpcap").new()
local layer = require("dnsjit.filter.layer").new()
local dns = require("dnsjit.core.object.dns").new()
local q = require("dnsjit.core.object.dns.q").new()
local rr = require("dnsjit.core.object.dns.rr").new()
local labels = require("dnsjit.core.object.dns.label").new(127)

if input:open(pcap) ~= 0 then
    io.stderr:write("cannot open " .. pcap .. "\n")
    os.exit(1)
end
layer:producer(input)
local producer, ctx = layer:produce()

local messages, malformed = 0, 0
while true do
    local obj = producer(ctx)
    if obj == nil then break end
    if obj:type() == "payload" and obj:cast().len > 0 then
        local transport = obj.obj_prev
        dns.obj_prev = obj
        dns.includes_dnslen = (transport ~= nil and transport.obj_type == object.TCP) and 1 or 0
        local ok = dns:parse_header() == 0
        if ok then
            for _ = 1, dns.qdcount do
                if dns:parse_q(q, labels, 127) ~= 0 then ok = false break end
            end
        end
        if ok then
            for _ = 1, dns.ancount + dns.nscount + dns.arcount do
                if dns:parse_rr(rr, labels, 127) ~= 0 then ok = false break end
            end
        end
        if ok then messages = messages + 1 else malformed = malformed + 1 end
    end
end
io.stderr:write("dns_messages=" .. messages .. " malformed=" .. malformed .. "\n")
