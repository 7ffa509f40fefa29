using System.Security.Cryptography;
using System.Text;

namespace Rancher.Cloud.ControlPlane.Access;

/// <summary>
/// Hashes and compares high-entropy secrets (API keys, credentials, tokens). They are random
/// 256-bit values, so a fast hash is enough; a slow KDF is for human passwords.
/// </summary>
public static class SecretHash
{
    public static string Of(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string expectedHash) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Of(secret)), Encoding.ASCII.GetBytes(expectedHash));

    /// <summary>A new random secret: 32 bytes, URL-safe.</summary>
    public static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
