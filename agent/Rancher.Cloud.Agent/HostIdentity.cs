using System.Text.Json;

namespace Rancher.Cloud.Agent;

/// <summary>The identity the host received at registration, kept on disk so a restart does not register again.</summary>
public sealed record HostIdentity(string Url, string HostId, string EnvironmentId, string Credential)
{
    private const string FileName = "identity.json";

    public static HostIdentity? Load(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), AgentJson.Default.HostIdentity) : null;
    }

    /// <summary>Writes atomically (temp file, then rename), readable by the owner only.</summary>
    public void Save(string stateDir) => WritePrivate(stateDir, FileName, JsonSerializer.Serialize(this, AgentJson.Default.HostIdentity));

    /// <summary>
    /// The id this host registers under, chosen and kept before the first attempt, so a retry
    /// after a crash or a lost answer registers the same host rather than a second one.
    /// </summary>
    public static string RegistrationId(string stateDir)
    {
        var path = Path.Combine(stateDir, "registration-id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: >= 16 } kept)
        {
            return kept;
        }
        var id = Guid.NewGuid().ToString("N");
        WritePrivate(stateDir, "registration-id", id);
        return id;
    }

    /// <summary>Forgets the identity and the registration id, so the next registration makes a new host.</summary>
    public static void Forget(string stateDir)
    {
        File.Delete(Path.Combine(stateDir, FileName));
        File.Delete(Path.Combine(stateDir, "registration-id"));
    }

    private static void WritePrivate(string stateDir, string fileName, string content)
    {
        Directory.CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, fileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temp, path, overwrite: true);
    }
}
