using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>
/// A thin HTTP client for the public API: raw responses, so tests see exactly what users see, and
/// their bodies read as the API's own view types, so a renamed field breaks a test at compile time.
/// </summary>
public sealed class Api : IDisposable
{
    private readonly HttpClient http;

    public Api(string baseUrl, string? bearer)
    {
        http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/api/v1/"), Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
    }

    /// <summary>The client itself, for requests the helpers below do not shape (headers, streams).</summary>
    public HttpClient Http => http;

    public Task<HttpResponseMessage> GetAsync(string path) => http.GetAsync(path);

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        http.PostAsync(path, body is null ? null : JsonContent.Create(body));

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string contentType = "application/json") =>
        http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    public Task<HttpResponseMessage> PatchAsync(string path, object body) => http.PatchAsync(path, JsonContent.Create(body));

    public Task<HttpResponseMessage> PutAsync(string path, object body) => http.PutAsync(path, JsonContent.Create(body));

    public Task<HttpResponseMessage> DeleteAsync(string path) => http.DeleteAsync(path);

    /// <summary>The API's own JSON options, plus reading the views it writes flat.</summary>
    public static readonly JsonSerializerOptions Json = new(ApiJson.Options) { Converters = { new FlattenedViewReader() } };

    /// <summary>A JSON body read as <typeparamref name="T"/>, which it must be.</summary>
    public static T Read<T>(string json)
        where T : class
    {
        var value = JsonSerializer.Deserialize<T>(json, Json);
        Assert.NotNull(value);
        return value;
    }

    /// <summary>The body of a response that must have succeeded, as sent: for tests of the wire shape itself.</summary>
    public static async Task<string> OkTextAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}: {text}");
        return text;
    }

    /// <summary>The body of a response that must have succeeded, read as <typeparamref name="T"/>.</summary>
    public static async Task<T> OkAsync<T>(HttpResponseMessage response)
        where T : class => Read<T>(await OkTextAsync(response));

    public async Task<T> GetOkAsync<T>(string path)
        where T : class => await OkAsync<T>(await GetAsync(path));

    /// <summary>The items of the first page of a list.</summary>
    public async Task<IReadOnlyList<T>> ItemsAsync<T>(string path) => (await GetOkAsync<Page<T>>(path)).Items;

    /// <summary>A view as the API writes it, for failure messages; nothing for none.</summary>
    public static string Show<T>(T? value) => value is null ? "" : JsonSerializer.Serialize(value, ApiJson.Options);

    public async Task<string> CreateEnvironmentAsync(string name) =>
        (await OkAsync<EnvironmentView>(await PostAsync("environments", new { name }))).Id;

    public async Task<RegistrationTokenCreated> CreateTokenAsync(string envId) =>
        await OkAsync<RegistrationTokenCreated>(await PostAsync($"environments/{envId}/registrationTokens"));

    public async Task<ServiceView> CreateServiceAsync(string envId, object service) =>
        await OkAsync<ServiceView>(await PostAsync($"environments/{envId}/services", service));

    public async Task<ServiceView> ServiceAsync(string envId, string serviceId) =>
        await GetOkAsync<ServiceView>($"environments/{envId}/services/{serviceId}");

    /// <summary>Registers a host by hand, as an agent would, without running one.</summary>
    public async Task<RegistrationResponse> RegisterHostAsync(string envId, string hostname = "test-host", IReadOnlyDictionary<string, string>? labels = null)
    {
        var token = (await CreateTokenAsync(envId)).Token;
        var facts = new HostFacts(hostname, "20.10.24", 2, 1L << 30, "Debian", "x86_64") { Labels = labels };
        using var response = await PostAsync("agent/register", new RegistrationRequest(token, facts));
        return await OkAsync<RegistrationResponse>(response);
    }

    /// <summary>A problem+json body, checked to be one.</summary>
    public static async Task<Problem> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return Read<Problem>(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The fields a problem names.</summary>
    public static string[] Fields(Problem problem) => problem.Errors.Keys.ToArray();

    public void Dispose() => http.Dispose();
}
