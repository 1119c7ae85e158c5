import TronKit
import TronWallet

extension WalletKey {
    /// Loads the hot-wallet key `config` names (`wallet.key_file`, or the environment variable in development).
    /// Errors name the setting and never contain key material.
    public static func load(config: PaymentRPCConfig, environment: [String: String]) throws(ConfigError)
        -> TronPrivateKey
    {
        do {
            return try load(
                keyFile: config.walletKeyFile, environment: environment,
                allowsEnvironmentKey: config.environment == .development)
        } catch {
            throw ConfigError(key: error.setting, error.problem)
        }
    }
}
