using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Balancing;

/// <summary>
/// HAProxy's runtime API on a balancer's admin socket: a backend's members change here, in the
/// running process, without a reload. Level-triggered like the rest of the agent: it reads what
/// each slot holds (<c>show servers state</c>) and changes only the slots that differ.
/// </summary>
public sealed class HaproxyRuntime(string socketPath)
{
    /// <summary>One server slot as HAProxy holds it: its address, whether it is in maintenance (out of rotation), and its weight.</summary>
    public sealed record Slot(string Name, string Address, bool InMaintenance, int Weight = 1);

    /// <summary>More than any answer of a balancer the platform renders (a few thousand servers' state).</summary>
    private const int MaxAnswer = 8 * 1024 * 1024;

    /// <summary>Sends one command and returns HAProxy's whole answer.</summary>
    public async Task<string> SendAsync(string command, CancellationToken ct)
    {
        // A wedged HAProxy must not hold the agent's pass.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), timeout.Token);
        var answer = new StringBuilder();
        var buffer = new byte[16384];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            if (answer.Length > MaxAnswer)
            {
                throw new InvalidOperationException($"HAProxy's answer to '{command}' ran past {MaxAnswer / (1024 * 1024)} MiB");
            }
        }
        return answer.ToString();
    }

    /// <summary>The backend's slots, from <c>show servers state</c>.</summary>
    public async Task<IReadOnlyList<Slot>> SlotsAsync(string backend, CancellationToken ct)
    {
        var slots = new List<Slot>();
        var answer = await SendAsync($"show servers state {backend}", ct);
        if (answer.StartsWith("Can't find backend", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"HAProxy runs no backend '{backend}'");
        }
        foreach (var line in answer.Split('\n'))
        {
            // be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state …
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 7 || line.StartsWith('#') || fields[1] != backend)
            {
                continue;
            }
            var running = int.Parse(fields[5], CultureInfo.InvariantCulture) != 0;
            var admin = int.Parse(fields[6], CultureInfo.InvariantCulture);
            // 'disabled' in the file (CMAINT) stays set after 'state ready': it means out of rotation only while the server is stopped.
            var weight = fields.Length > 7 && int.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : 1; // srv_uweight
            slots.Add(new Slot(fields[3], fields[4], (admin & MaintenanceFlags) != 0 || ((admin & ConfiguredMaintenance) != 0 && !running), weight));
        }
        return slots;
    }

    /// <summary>
    /// Puts <paramref name="backend"/>'s members in its slots: a member already in a slot keeps it
    /// (its connections and cookie stay), a new one takes a free slot, and a slot whose member left
    /// goes into maintenance (its established connections finish; no new ones come). False when
    /// there are more members than slots: the configuration must be rendered again.
    /// </summary>
    public async Task<bool> ApplyAsync(PlannedBackend backend, CancellationToken ct)
    {
        var slots = await SlotsAsync(backend.Name, ct);
        var wanted = backend.Members.Select(m => m.Address).ToHashSet(StringComparer.Ordinal);
        var serving = slots.Where(s => !s.InMaintenance && wanted.Contains(s.Address)).Select(s => s.Address).ToHashSet(StringComparer.Ordinal);
        var waiting = new Queue<string>(backend.Members.Select(m => m.Address).Where(a => !serving.Contains(a)).Distinct(StringComparer.Ordinal));
        var weights = backend.Members.GroupBy(m => m.Address, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Math.Clamp(g.First().Weight, 1, 256), StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            if (!slot.InMaintenance && serving.Contains(slot.Address))
            {
                serving.Remove(slot.Address); // a second slot with the same address is freed below
                if (slot.Weight != weights[slot.Address])
                {
                    await WeighAsync(backend.Name, slot.Name, weights[slot.Address], ct); // a canary's share changed
                }
                continue;
            }
            if (waiting.TryDequeue(out var address))
            {
                await CommandAsync($"set server {backend.Name}/{slot.Name} addr {address} port {backend.Port.ToString(CultureInfo.InvariantCulture)}", ct);
                if (slot.Weight != weights[address])
                {
                    await WeighAsync(backend.Name, slot.Name, weights[address], ct);
                }
                await CommandAsync($"set server {backend.Name}/{slot.Name} state ready", ct);
            }
            else if (!slot.InMaintenance)
            {
                await CommandAsync($"set server {backend.Name}/{slot.Name} state maint", ct);
            }
        }
        return waiting.Count == 0;
    }

    private Task WeighAsync(string backend, string slot, int weight, CancellationToken ct) =>
        CommandAsync($"set server {backend}/{slot} weight {weight.ToString(CultureInfo.InvariantCulture)}", ct);

    /// <summary>A command whose answer is empty or a confirmation; anything else is HAProxy refusing it.</summary>
    private async Task CommandAsync(string command, CancellationToken ct)
    {
        var answer = (await SendAsync(command, ct)).Trim();
        if (answer.Length > 0 && !answer.StartsWith("IP changed", StringComparison.Ordinal) && !answer.Contains("no need to change", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"HAProxy refused '{command}': {answer}");
        }
    }

    /// <summary>HAProxy's maintenance: forced, inherited, and for a name that does not resolve (SRV_ADMF_FMAINT | IMAINT | RMAINT).</summary>
    private const int MaintenanceFlags = 0x01 | 0x02 | 0x20;

    /// <summary>SRV_ADMF_CMAINT: <c>disabled</c> in the configuration.</summary>
    private const int ConfiguredMaintenance = 0x04;
}
