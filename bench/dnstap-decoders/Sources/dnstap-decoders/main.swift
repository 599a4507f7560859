import DMBytes
import DMDnstap
import DnstapSchema
import Foundation
import SwiftProtobuf

// dnstap-decoders FILE [PASSES]: the data frames of the Frame Streams file FILE, decoded by each
// decoder PASSES times (default 5); prints per decoder the best pass's seconds and messages/s,
// and a checksum of what it read (the same for both when they agree).

let arguments = CommandLine.arguments
guard arguments.count >= 2, let file = FileManager.default.contents(atPath: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: dnstap-decoders FILE.fstrm [PASSES]\n".utf8))
    exit(2)
}
let passes = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let bytes = [UInt8](file)

// The data frames, as ranges of `bytes` (the file is one well-formed Frame Streams stream).
func bigEndian32(at offset: Int) -> Int {
    Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
}
var frames: [Range<Int>] = []
var position = 0
while position + 4 <= bytes.count {
    let length = bigEndian32(at: position)
    if length == 0 {
        position += 8 + bigEndian32(at: position + 4)  // a control frame
        continue
    }
    frames.append((position + 4)..<(position + 4 + length))
    position += 4 + length
}

func seconds(_ body: () throws -> UInt64) rethrows -> (Double, UInt64) {
    var best = Double.infinity
    var checksum: UInt64 = 0
    for _ in 0..<passes {
        let start = DispatchTime.now().uptimeNanoseconds
        checksum = try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (best, checksum)
}

// What a record needs of each message: the time, ports, the message's length and the
// identity's, summed so that nothing is optimised away.
let ours = try bytes.withByteView { all in
    try seconds {
        var sum: UInt64 = 0
        for range in frames {
            let payload = try DnstapPayload(decoding: all.subview(range))
            sum &+= payload.queryTimeSeconds &+ UInt64(payload.queryPort) &+ UInt64(payload.identity.count)
            sum &+= UInt64((payload.queryMessage ?? payload.responseMessage)?.count ?? 0) &+ UInt64(payload.queryAddress.count)
        }
        return sum
    }
}
let generated = try seconds {
    var sum: UInt64 = 0
    for range in frames {
        let payload = try Dnstap_Dnstap(serializedBytes: bytes[range])
        let message = payload.message
        sum &+= message.queryTimeSec &+ UInt64(message.queryPort) &+ UInt64(payload.identity.count)
        sum &+= UInt64((message.hasQueryMessage ? message.queryMessage : message.responseMessage).count) &+ UInt64(message.queryAddress.count)
    }
    return sum
}
print("messages \(frames.count)")
print(String(format: "DMDnstap in place: %.3f s, %.2fM messages/s, checksum %llu", ours.0, Double(frames.count) / ours.0 / 1e6, ours.1))
print(String(format: "swift-protobuf generated: %.3f s, %.2fM messages/s, checksum %llu", generated.0, Double(frames.count) / generated.0 / 1e6, generated.1))
