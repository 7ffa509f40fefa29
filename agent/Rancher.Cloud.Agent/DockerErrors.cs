using System.Text.Json;
using Docker.DotNet;

namespace Rancher.Cloud.Agent;

/// <summary>What Docker said when it refused a call.</summary>
public static class DockerErrors
{
    /// <summary>Docker's own message ("port is already allocated", "No such image"), not the HTTP wrapping.</summary>
    public static string MessageOf(DockerApiException e)
    {
        try
        {
            using var body = JsonDocument.Parse(e.ResponseBody ?? "");
            if (body.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (JsonException)
        {
            // Not Docker's JSON error shape; fall through.
        }
        return string.IsNullOrWhiteSpace(e.ResponseBody) ? e.Message : e.ResponseBody.Trim();
    }
}
