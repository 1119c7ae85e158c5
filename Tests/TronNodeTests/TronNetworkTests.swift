import Testing
import TronNode

@Suite("TronNetwork presets")
struct TronNetworkTests {
    @Test("every network parses from its name and has its own endpoints", arguments: TronNetwork.allCases)
    func named(network: TronNetwork) throws {
        #expect(try TronNetwork(parsing: network.rawValue) == network)
        let preset = TronNetworkPreset(network)
        #expect(preset.network == network && preset.fullNodeURL == network.fullNodeURL)
        #expect(preset.usdtContract == network.usdtContract)
    }

    @Test(
        "an unknown name is refused, naming it and the known networks", arguments: ["", "Mainnet", "testnet", "nile "])
    func unknown(name: String) {
        #expect(throws: TronNetworkError(name: name)) { try TronNetwork(parsing: name) }
        #expect(
            TronNetworkError(name: name).description == "\(name) is not a TRON network (devnet, nile, shasta, mainnet)")
    }

    @Test("only mainnet carries real value; the testnets run their own USDT, the devnet mainnet's address")
    func facts() {
        #expect(TronNetwork.allCases.filter(\.carriesRealValue) == [.mainnet])
        #expect(TronNetwork.devnet.usdtContract == TronNetwork.mainnet.usdtContract)
        #expect(TronNetwork.nile.usdtContract != TronNetwork.mainnet.usdtContract)
        #expect(TronNetwork.shasta.usdtContract.base58 == "TG3XXyExBkPp9nzdajDZsozEu4BkaSJozs")
        #expect(TronNetwork.devnet.fullNodeURL == "http://127.0.0.1:8090")
    }
}
