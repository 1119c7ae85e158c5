import Codegen
import Foundation
import SwiftProtobuf
import SwiftProtobufPluginLibrary

/// protoc-gen-lucid-rest: writes `<title>.openapi.json` and `.openapi.yaml` for the services with google.api.http
/// rules. Parameters: `title=…`, `rate_limits=CreatePayout:10;GetPayout:60`.
struct LucidRESTGenerator: CodeGenerator {
    var customOptionExtensions: [any AnyMessageExtension] { DescriptorReader.extensions }
    var supportedFeatures: [Google_Protobuf_Compiler_CodeGeneratorResponse.Feature] { [.proto3Optional] }

    func generate(
        files: [FileDescriptor], parameter: any CodeGeneratorParameter, protoCompilerContext: any ProtoCompilerContext,
        generatorOutputs: any GeneratorOutputs
    ) throws {
        let settings = Dictionary(parameter.parsedPairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        let title = settings["title"] ?? "api"
        let outputs = try RESTGeneration.render(files: files, title: title, rateLimits: settings["rate_limits"] ?? "")
        for (name, contents) in outputs { try generatorOutputs.add(fileName: name, contents: contents) }
    }
}

LucidRESTGenerator.main()
