using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// What a careless or hostile client sent, once answered 500 or took the process down: each
/// is now a 400 that names the field, and nothing is stored.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class HostileInputTests(SelfHostedControlPlane controlPlane)
{
    public static TheoryData<string, string> LenientBodies => new()
    {
        { """{"name":"web","image":"busybox","scale":"5"}""", "scale" },
        { """{"name":"web","image":"busybox","ports":[{"published":"8080","target":80}]}""", "ports[0].published" },
        { """{"name":"web","image":"busybox","name":"api"}""", "name" },
        { """{"name":"web\n","image":"busybox"}""", "name" },
        { """{"name":"web","image":"busybox\n"}""", "image" },
        { """{"name":"web","image":"busybox","environment":{"A\n":"1"}}""", "environment.A\n" },
        { """{"name":"web","image":"busybox","environment":{"A":"x\u0000y"}}""", "environment.A" },
        { """{"name":"web","alias":["web\n"]}""", "alias[0]" },
        { """{"name":"web","image":"busybox","limits":{"cpus":-1}}""", "limits.cpus" },
    };

    [Theory]
    [MemberData(nameof(LenientBodies))]
    public async Task A_body_that_was_read_leniently_is_refused_and_stores_nothing(string body, string field)
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"lenient-{Guid.NewGuid():N}"[..20]);

        using var response = await api.PostRawAsync($"environments/{envId}/services", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, Api.Fields(await Api.ProblemAsync(response)));
        Assert.Empty(await api.ItemsAsync<ServiceView>($"environments/{envId}/services"));
    }

    [Theory]
    [InlineData("application/jsonx")]
    [InlineData("application/json-patch+json")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("text/plain")]
    public async Task Only_json_media_types_are_read_as_json(string contentType)
    {
        using var api = controlPlane.Admin();
        var name = $"media-{Guid.NewGuid():N}"[..20];
        using var request = new StringContent($$"""{"name":"{{name}}"}""", Encoding.UTF8);
        request.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await api.Http.PostAsync("environments", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("body", Api.Fields(await Api.ProblemAsync(response)));
        Assert.DoesNotContain(await api.ItemsAsync<EnvironmentView>("environments"), e => e.Name == name);
    }

    [Theory]
    [InlineData("tenants", """{"name":"acme\n"}""")]
    [InlineData("environments", """{"name":"prod\n"}""")]
    public async Task Names_with_a_trailing_newline_are_refused_everywhere(string path, string body)
    {
        using var api = controlPlane.Admin();
        using var response = await api.PostRawAsync(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("name", Api.Fields(await Api.ProblemAsync(response)));
    }

    [Fact]
    public async Task A_stack_named_with_a_trailing_newline_is_refused()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"stackname-{Guid.NewGuid():N}"[..20]);
        using var response = await api.PostAsync($"environments/{envId}/stacks", new { name = "blog\n", compose = "services:\n  web:\n    image: busybox\n" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("name", Api.Fields(await Api.ProblemAsync(response)));
        Assert.Empty(await api.ItemsAsync<StackView>($"environments/{envId}/stacks"));
    }

    [Fact]
    public async Task A_chunked_body_past_the_limit_is_refused_without_being_read_whole()
    {
        using var api = controlPlane.Admin();
        // No Content-Length: the body streams in chunks, 20 MB of it.
        using var content = new StreamContent(new RepeatingStream((byte)' ', 20 << 20));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "environments") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        HttpStatusCode status;
        try
        {
            using var response = await api.Http.SendAsync(request);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server answered and closed while the client was still sending: refused all the same.
            status = HttpStatusCode.BadRequest;
        }

        Assert.Equal(HttpStatusCode.BadRequest, status);
        await api.GetOkAsync<Page<EnvironmentView>>("environments"); // and the control plane is still there
    }

    [Fact]
    public async Task A_service_too_large_for_its_row_is_a_400_and_the_largest_accepted_one_reads_back_whole()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"large-{Guid.NewGuid():N}"[..20]);

        using var tooBig = await api.PostAsync($"environments/{envId}/services", new
        {
            name = "big", image = "busybox",
            environment = Enumerable.Range(0, 10).ToDictionary(i => $"V{i}", _ => new string('x', 8000)),
        });
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Contains("body", Api.Fields(await Api.ProblemAsync(tooBig)));

        // Just under the bound: 14 variables of 2,000 characters and the rest of the service.
        var environment = Enumerable.Range(0, 14).ToDictionary(i => $"V{i:D2}", _ => new string('y', 2000));
        var created = await api.CreateServiceAsync(envId, new { name = "largest", image = "busybox", environment, scale = 0 });
        var read = await api.ServiceAsync(envId, created.Id);
        Assert.Equal(14, read.Spec.Environment.Count);
        Assert.Equal(new string('y', 2000), read.Spec.Environment["V13"]);
    }

    [Fact]
    public async Task Facts_too_long_or_implausible_are_refused_at_registration_and_in_heartbeats()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"facts-{Guid.NewGuid():N}"[..20]);
        var token = (await api.CreateTokenAsync(envId)).Token;
        var huge = new HostFacts(new string('h', 100_000), "20.10.24", 2, 1L << 30, "Debian", "x86_64");

        using var register = await api.PostAsync("agent/register", new RegistrationRequest(token, huge));
        Assert.Equal(HttpStatusCode.BadRequest, register.StatusCode);
        Assert.Contains("facts.hostname", Api.Fields(await Api.ProblemAsync(register)));
        Assert.Empty(await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts"));

        var host = await api.RegisterHostAsync(envId);
        using var agent = new Api(controlPlane.Url, host.Credential);
        var bad = new HostFacts("ok", new string('9', 100_000), -2, -1, "Debian\u0001", "x86_64");
        using var beat = await agent.PostAsync("agent/heartbeat", new Heartbeat(bad, 0));
        Assert.Equal(HttpStatusCode.BadRequest, beat.StatusCode);
        Assert.Equal(
            ["facts.cpus", "facts.dockerVersion", "facts.memoryBytes", "facts.os"],
            Api.Fields(await Api.ProblemAsync(beat)).Order(StringComparer.Ordinal));
        var stored = (await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts"))[0];
        Assert.Equal("20.10.24", stored.DockerVersion);
    }

    [Fact]
    public async Task An_audit_cursor_the_log_did_not_hand_out_is_refused()
    {
        using var api = controlPlane.Admin();
        await api.CreateEnvironmentAsync($"audit-{Guid.NewGuid():N}"[..20]);
        await api.CreateEnvironmentAsync($"audit-{Guid.NewGuid():N}"[..20]);

        var first = await api.GetOkAsync<AuditPage>("audit?limit=1");
        var second = await api.GetOkAsync<AuditPage>($"audit?limit=1&cursor={first.Next}");
        Assert.NotEqual(first.Items[0].Id, second.Items[0].Id);

        foreach (var cursor in new[] { "garbage", "YTE6bm90LWEta2V5", Uri.EscapeDataString("1!1!xyz") })
        {
            using var response = await api.GetAsync($"audit?cursor={cursor}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("cursor", Api.Fields(await Api.ProblemAsync(response)));
        }
    }

    /// <summary>A stream of one byte repeated, read without holding it in memory.</summary>
    private sealed class RepeatingStream(byte value, long length) : Stream
    {
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - position);
            buffer.AsSpan(offset, n).Fill(value);
            position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
