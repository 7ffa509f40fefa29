using System.Security.Cryptography;
using System.Text;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>A resource that carries an HTTP entity tag.</summary>
public interface ITagged
{
    /// <summary>The strong entity tag (quoted); sent as the ETag header, not in the body (mark it [JsonIgnore]).</summary>
    string ETag { get; }
}

/// <summary>HTTP entity tags derived from the storage row's own ETag, so they change exactly when the row does.</summary>
public static class EntityTags
{
    public static string Of(Azure.ETag rowETag) =>
        $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rowETag.ToString())))[..20]}\"";

    /// <summary>True when there is no precondition, or it names the row as it is now ("*" matches anything).</summary>
    public static bool Satisfies(string? ifMatch, Azure.ETag rowETag) =>
        ifMatch is null or "*" || ifMatch.Split(',').Select(t => t.Trim()).Contains(Of(rowETag));
}
