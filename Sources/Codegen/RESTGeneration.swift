import SwiftProtobufPluginLibrary

/// The whole pipeline, shared by the protoc plugin and the golden tests: descriptors → model → documents.
public enum RESTGeneration {
    /// File name → contents. `rateLimits` is "Rpc:perMinute;Rpc:perMinute".
    public static func render(files: [FileDescriptor], title: String, rateLimits: String) throws -> [(String, String)] {
        let api = try DescriptorReader.read(files: files, title: title)
        var options = OpenAPIRenderer.Options()
        for entry in rateLimits.split(separator: ";") {
            let parts = entry.split(separator: ":")
            if parts.count == 2, let limit = Int(parts[1]) { options.rateLimits[String(parts[0])] = limit }
        }
        let document = OpenAPIRenderer(api: api, options: options).document()
        let typeName = title.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return [
            ("\(title).openapi.json", document.json() + "\n"), ("\(title).openapi.yaml", document.yaml()),
            ("\(title).rest.swift", ShimRenderer(api: api, enumName: typeName + "RESTShim").source()),
            ("\(title).constraints.swift", ConstraintRenderer(api: api, enumName: typeName + "RequestLimits").source()),
        ]
    }
}
