using System.Text.Json;

namespace Rancher.Cloud.Agent;

/// <summary>The identity the host received at registration, kept on disk so a restart does not register again.</summary>
public sealed record HostIdentity(string Url, string HostId, string EnvironmentId, string Credential)
{
    private const string FileName = "identity.json";

    public static HostIdentity? Load(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<HostIdentity>(File.ReadAllText(path)) : null;
    }

    /// <summary>Writes atomically (temp file, then rename), readable by the owner only.</summary>
    public void Save(string stateDir)
    {
        Directory.CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temp, path, overwrite: true);
    }
}
