using System.Security.Cryptography;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>Random ids: a kind prefix and 12 base32 characters (60 bits), safe in DNS names, queue names and row keys.</summary>
public sealed class RandomIds : IIdGenerator
{
    /// <summary>
    /// Whether a caller-supplied id could be one of ours (or another opaque id of up to 64
    /// letters and digits): anything else is not looked up, so it can never reach a key filter.
    /// </summary>
    public static bool IsWellFormed(string? id) => id is { Length: > 0 and <= 64 } && id.All(char.IsAsciiLetterOrDigit);

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public string NewId(char prefix)
    {
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        Span<char> id = stackalloc char[13];
        id[0] = prefix;
        for (var i = 0; i < 12; i++)
        {
            id[i + 1] = Alphabet[bytes[i] & 31];
        }
        return new string(id);
    }
}
