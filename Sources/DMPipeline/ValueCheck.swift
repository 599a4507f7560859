import DMConfiguration
import DMFormats
import DMSinks

/// Values dnsmonster hands to the stages, checked before any stage starts with the parsers the
/// stages use, so that an error names dnsmonster's flag and where its value came from (flag,
/// environment, INI file) instead of a stage's flag with the stage's usage text.
public enum ValueCheck {
    /// Checks the Go templates of the outputs that use one and the syslog endpoint.
    /// - Throws: `ConfigurationError.invalidValue` naming the dnsmonster option.
    public static func check(_ c: Configuration) throws(ConfigurationError) {
        let templates: [(type: OptionKey<UInt64>, format: OptionKey<String>, template: OptionKey<String>)] = [
            (.stdoutOutputType, .stdoutOutputFormat, .stdoutOutputGoTemplate),
            (.fileOutputType, .fileOutputFormat, .fileOutputGoTemplate),
        ]
        for (type, format, template) in templates where c[type] != 0 && c[format] == "gotemplate" {
            do {
                _ = try GoTemplate(c[template])
            } catch {
                throw .invalidValue(
                    template, value: c.text(template), expected: "a Go template dm-out can run (\(error))", source: c.source(template))
            }
        }
        if c[.syslogOutputType] != 0 {
            do {
                _ = try SyslogAddress(parsing: c[.syslogOutputEndpoint])
            } catch {
                throw .invalidValue(
                    .syslogOutputEndpoint, value: c.text(.syslogOutputEndpoint),
                    expected: "udp://HOST:PORT, tcp://HOST:PORT or unix:///dev/log (\(error))", source: c.source(.syslogOutputEndpoint))
            }
        }
    }
}
