#!/usr/bin/env python3
"""Generates Sources/DMConfiguration/Options/*.swift from ../shared/reference/flags.txt.

Usage: scripts/generate-dnsmonster-options.py [FLAGS_TXT]
One Swift file per INI group: the options' facts (name, type, default, env, section, choices,
description) and a typed key per option (`OptionKey.devName`, whose value type is the
option's kind). Support statuses are written by hand in OptionSupport.swift.
"""
import os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "reference", "flags.txt")
out_dir = os.path.join(root, "Sources", "DMConfiguration", "Options")

HELP = {"help", "manpage", "bashcompletion", "fishcompletion", "systemdservice", "writeconfig"}
KINDS = {"string": "string", "uint": "unsigned", "int": "integer", "uint8": "unsigned8", "bool": "boolean",
         "time.Duration": "duration", "[]string": "stringList", "flags.Filename": "filename"}
# The Swift type an option's value reads as, per kind (the `OptionValue` conformances).
VALUE_TYPES = {"string": "String", "filename": "String", "unsigned": "UInt64", "unsigned8": "UInt8",
               "integer": "Int64", "boolean": "Bool", "duration": "Duration", "stringList": "[String]"}

# Every option's key name: dnsmonster's words in lower camel case, initialisms cased as one
# (skipTLSVerification), as the Swift API Design Guidelines ask. Written out rather than derived:
# flags.txt has the names lowercased and their word boundaries cannot be recovered (noetherframe,
# afpacketbuffersizemb). Each must lowercase to its flag, and every flag needs one, so a flag added
# to flags.txt stops the generator until its key is named here.
KEY_NAMES = """
    devName pcapFile dnstapSocket port sampleRatio dedupCleanupInterval dnstapPermission
    packetHandlerCount tcpAssemblyChannelSize tcpResultChannelSize tcpHandlerCount defraggerChannelSize
    defraggerChannelReturnSize packetChannelSize afpacketBuffersizeMB filter useAfpacket noEtherframe dedup
    noPromiscuous
    clickhouseAddress clickhouseUsername clickhousePassword clickhouseDatabase clickhouseTable clickhouseDelay
    clickhouseCompress clickhouseDebug clickhouseSecure clickhouseSaveFullQuery clickhouseUseDnstapIdentity
    clickhouseOutputType clickhouseBatchSize clickhouseWorkers clickhouseWorkerChannelSize
    elasticOutputType elasticOutputEndpoint elasticOutputIndex elasticBatchSize elasticBatchDelay
    fileOutputType fileOutputPath fileOutputRotateCron fileOutputRotateCount fileOutputFormat fileOutputGoTemplate
    influxOutputType influxOutputServer influxOutputToken influxOutputBucket influxOutputOrg influxOutputWorkers
    influxBatchSize
    kafkaOutputType kafkaOutputBroker kafkaSASLCredentials kafkaOutputTopic kafkaBatchSize kafkaOutputFormat
    kafkaTimeout kafkaBatchDelay kafkaCompress kafkaCompressionType kafkaSecure kafkaCACertificatePath
    kafkaTLSCertificatePath kafkaTLSKeyPath
    natsOutputType natsOutputServer natsOutputSubject natsOutputTLSCert natsOutputTLSKey natsOutputTLSCA
    parquetOutputType parquetOutputPath parquetFlushBatchSize parquetWorkerCount parquetWriteBufferSize
    psqlOutputType psqlEndpoint psqlTable psqlWorkers psqlBatchSize psqlBatchDelay psqlBatchTimeout
    psqlSaveFullQuery
    sentinelOutputType sentinelOutputSharedKey sentinelOutputCustomerID sentinelOutputLogType sentinelOutputProxy
    sentinelBatchSize sentinelBatchDelay
    splunkOutputType splunkOutputEndpoint splunkOutputToken splunkOutputIndex splunkOutputProxy
    splunkOutputSource splunkOutputSourceType splunkBatchSize splunkBatchDelay
    stdoutOutputType stdoutOutputFormat stdoutOutputGoTemplate stdoutOutputWorkerCount
    syslogOutputType syslogOutputEndpoint
    victoriaOutputEndpoint victoriaOutputType victoriaOutputProxy victoriaOutputWorkers victoriaBatchSize
    victoriaBatchDelay
    zincOutputType zincOutputIndex zincOutputEndpoint zincOutputUsername zincOutputPassword zincBatchSize
    zincBatchDelay zincTimeout
    metricEndpointType metricStatsdAgent metricPrometheusEndpoint metricStderrFormat metricFlushInterval
    config gcTime captureStatsDelay maskSize4 maskSize6 serverName logFormat logLevel resultChannelSize
    cpuProfile memProfile goMaxProcs packetLimit skipDomainsFile skipDomainsRefreshInterval skipDomainsFileType
    allowDomainsFile allowDomainsRefreshInterval allowDomainsFileType skipTLSVerification version
    help manPage bashCompletion fishCompletion systemdService writeConfig
""".split()
key_names = {}
for key_name in KEY_NAMES:
    if key_name.lower() in key_names:
        sys.exit(f"KEY_NAMES: {key_name} and {key_names[key_name.lower()]} name the same flag")
    key_names[key_name.lower()] = key_name

line_re = re.compile(r"^--(\S+) \((\S+)\) default='(.*?)' env=(\S+)( choices=\S+)?(.*?) :: ?(.*)$")

groups = {}      # section -> (description, [options])
order = []
current = None
for raw in open(source, encoding="utf-8"):
    raw = raw.rstrip("\n")
    if raw.startswith("### "):
        found = re.findall(r"\('(\w+)', '([^']*)'\)", raw)
        current = found[0] if found else ("metric", "Metrics")
        continue
    m = line_re.match(raw)
    if not m:
        continue
    name, kind, default, env, choices, extra, description = m.groups()
    section, section_description = current
    if section == "general" and name in HELP:
        section, section_description = "help", "Help Options"
    if section not in groups:
        groups[section] = (section_description, [])
        order.append(section)
    groups[section][1].append(dict(
        name=name, kind=KINDS[kind], default=None if default == "<none>" else default,
        env=None if env == "None" else env, choices=choices.split("=")[1].split("|") if choices else [],
        ini="no-ini" not in extra, hidden="hidden" in extra, unexported="UNEXPORTED" in extra,
        description=description.strip()))

flag_names = {o["name"] for _, options in groups.values() for o in options}
missing = sorted(flag_names - key_names.keys())
unknown = sorted(key_names.keys() - flag_names)
if missing or unknown:
    sys.exit(f"KEY_NAMES does not match flags.txt: no key for {missing}; keys of no flag {unknown}")

def swift(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def type_name(section):
    return "".join(part.capitalize() for part in section.split("_"))

for section in order:
    description, options = groups[section]
    tn = type_name(section)
    lines = ["// Generated by scripts/generate-dnsmonster-options.py from ../shared/reference/flags.txt; do not edit.", "",
             f"extension OptionTable {{",
             f"    /// dnsmonster's `[{section}]` group ({description}).",
             f"    static let {tn[0].lower() + tn[1:]}: [OptionSpec] = ["]
    for o in options:
        args = [f"name: {swift(o['name'])}", f"kind: .{o['kind']}",
                f"defaultValue: {swift(o['default']) if o['default'] is not None else 'nil'}",
                f"environment: {swift(o['env']) if o['env'] else 'nil'}",
                f"section: {swift(section)}"]
        if not o["ini"]: args.append("inINI: false")
        if o["choices"]: args.append("choices: [" + ", ".join(swift(c) for c in o["choices"]) + "]")
        if o["hidden"]: args.append("hidden: true")
        if o["unexported"]: args.append("ignoredByGoFlags: true")
        args.append(f"summary: {swift(o['description'])}")
        lines.append("        OptionSpec(")
        lines.append("            " + ",\n            ".join(args) + "),")
    lines += ["    ]", "",
              f"    /// The keys of the `[{section}]` group, for checking them against the table.",
              f"    static let {tn[0].lower() + tn[1:]}Keys: [AnyOptionKey] = ["]
    lines += [f"        AnyOptionKey(.{key_names[o['name']]})," for o in options]
    lines += ["    ]", "}"]
    # One extension per value type, in the order the group's kinds first appear: a key is a member
    # of `OptionKey` constrained to its value type, so that `OptionKey.devName` and `.devName` where
    # an `OptionKey<Value>` is expected both find it and fix `Value`.
    value_types = []
    for o in options:
        if VALUE_TYPES[o["kind"]] not in value_types:
            value_types.append(VALUE_TYPES[o["kind"]])
    for value_type in value_types:
        lines += ["", f"extension OptionKey where Value == {value_type} {{"]
        members = []
        for o in options:
            if VALUE_TYPES[o["kind"]] != value_type:
                continue
            members.append([
                f"    /// `--{o['name']}`: {o['description']}",
                f"    public static var {key_names[o['name']]}: OptionKey<{value_type}> {{ OptionKey({swift(o['name'])}) }}"])
        for index, member in enumerate(members):
            if index > 0:
                lines.append("")
            lines += member
        lines.append("}")
    lines.append("")
    with open(os.path.join(out_dir, f"OptionTable+{tn}.swift"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))

with open(os.path.join(out_dir, "OptionTable+Sections.swift"), "w", encoding="utf-8") as f:
    f.write("// Generated by scripts/generate-dnsmonster-options.py from ../shared/reference/flags.txt; do not edit.\n\n")
    f.write("extension OptionTable {\n    /// dnsmonster's option groups in flags.txt order: INI section name and description.\n")
    f.write("    static let dnsmonsterSections: [(name: String, summary: String)] = [\n")
    for section in order:
        f.write(f"        ({swift(section)}, {swift(groups[section][0])}),\n")
    f.write("    ]\n\n    /// Every option of the Go dnsmonster, group by group.\n    public static let dnsmonster: [OptionSpec] =\n        ")
    f.write("\n        + ".join(type_name(s)[0].lower() + type_name(s)[1:] for s in order))
    f.write("\n\n    /// A key for every option of the Go dnsmonster, group by group.\n    static let dnsmonsterKeys: [AnyOptionKey] =\n        ")
    f.write("\n        + ".join(type_name(s)[0].lower() + type_name(s)[1:] + "Keys" for s in order))
    f.write("\n}\n")
print(sum(len(g[1]) for g in groups.values()), "options in", len(order), "groups")
