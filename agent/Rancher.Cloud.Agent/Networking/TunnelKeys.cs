using Microsoft.Extensions.Options;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>
/// The host's WireGuard key pair, made on the host with <c>wg genkey</c> and kept in the state
/// folder (0600). Only the public key is ever sent; the private key never leaves the host.
/// </summary>
public sealed class TunnelKeys(IOptions<AgentOptions> options) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private string? publicKey;

    public string PrivateKeyPath => Path.Combine(options.Value.StateDir, "wireguard.key");

    /// <summary>The public key, or null when WireGuard's tools are not installed on this host.</summary>
    public async Task<string?> PublicKeyAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (publicKey is not null)
            {
                return publicKey;
            }
            if (!File.Exists(PrivateKeyPath))
            {
                var generated = await Commands.TryAsync("wg", ["genkey"], ct);
                if (generated.ExitCode != 0)
                {
                    return null;
                }
                Directory.CreateDirectory(options.Value.StateDir);
                await File.WriteAllTextAsync(PrivateKeyPath + ".new", generated.StandardOutput.Trim() + "\n", ct);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(PrivateKeyPath + ".new", UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
                File.Move(PrivateKeyPath + ".new", PrivateKeyPath, overwrite: true);
            }
            var derived = await Commands.RunAsync("wg", ["pubkey"], ct, await File.ReadAllTextAsync(PrivateKeyPath, ct));
            return publicKey = derived.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no wg tool on this host: it runs without the overlay
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    /// <summary>Drops the key pair: a machine that takes a new identity must not share a key with the one it was copied from.</summary>
    public void Forget()
    {
        gate.Wait();
        try
        {
            File.Delete(PrivateKeyPath);
            publicKey = null;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary><c>address:port</c> other hosts reach the tunnel at.</summary>
    public async Task<string?> EndpointAsync(CancellationToken ct)
    {
        var address = options.Value.AdvertiseAddress;
        if (string.IsNullOrEmpty(address))
        {
            // The source address of the default route: a routing-table lookup, nothing is sent.
            var route = await Commands.TryAsync("ip", ["-4", "route", "get", "192.0.2.1"], ct);
            var words = route.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var src = Array.IndexOf(words, "src");
            address = src >= 0 && src + 1 < words.Length ? words[src + 1] : null;
        }
        return address is null ? null : $"{address}:{options.Value.WireGuardPort}";
    }
}
