using System.Security.Cryptography;
using System.Text;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>A resource that carries an HTTP entity tag.</summary>
public interface ITagged
{
    /// <summary>The strong entity tag (quoted); sent as the ETag header, not in the body (mark it [JsonIgnore]).</summary>
    string ETag { get; }
}

/// <summary>
/// HTTP entity tags derived from what a client may change (for a service: its spec, scale and
/// upgrade policy), not from the storage row's ETag: the platform's own writes to the row (an
/// upgrade's progress) must not turn a client's If-Match into a 412.
/// </summary>
public static class EntityTags
{
    public static string Of(string content) =>
        $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..20]}\"";

    /// <summary>True when there is no precondition, or it names the resource as it is now ("*" matches anything).</summary>
    public static bool Satisfies(string? ifMatch, string tag) =>
        ifMatch is null or "*" || ifMatch.Split(',').Select(t => t.Trim()).Contains(tag);
}
