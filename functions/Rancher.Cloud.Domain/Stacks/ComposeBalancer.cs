using System.Globalization;
using Rancher.Cloud.Domain.Balancing;
using YamlDotNet.RepresentationModel;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// Rancher 1.6's <c>lb_config</c>, in the compose file beside <c>image: rancher/lb-service-haproxy</c>:
/// <c>port_rules</c> (source_port, target_port, service, protocol, hostname, path, priority),
/// <c>certs</c>, <c>default_cert</c> and <c>stickiness_policy</c> as rancher-compose.yml had them,
/// and ours: <c>drain_timeout_ms</c>, <c>x-acme</c> on a rule, <c>x-proxy_protocol</c>
/// (<c>send</c> to backends, <c>accept</c> from an upstream).
/// </summary>
internal static class ComposeBalancer
{
    public static BalancerDraft Read(ComposeNode value, Dictionary<string, int> lines)
    {
        var draft = new BalancerDraft();
        foreach (var (key, node) in value.Entries())
        {
            switch (key)
            {
                case "port_rules":
                    lines["loadBalancer.portRules"] = node.Line;
                    draft = draft with { PortRules = node.Items().Select((rule, i) => Rule(rule, $"loadBalancer.portRules[{i}]", lines)).ToList() };
                    break;
                case "certs":
                    lines["loadBalancer.certificates"] = node.Line;
                    draft = draft with { Certificates = node.Items().Select(i => i.Text()).ToList() };
                    break;
                case "default_cert":
                    lines["loadBalancer.defaultCertificate"] = node.Line;
                    draft = draft with { DefaultCertificate = node.Text() };
                    break;
                case "stickiness_policy":
                    lines["loadBalancer.stickiness"] = node.Line;
                    draft = draft with { Stickiness = Stickiness(node) };
                    break;
                case "drain_timeout_ms":
                    lines["loadBalancer.drainTimeoutMs"] = node.Line;
                    draft = draft with { DrainTimeoutMs = node.Number(0, 3_600_000) };
                    break;
                case "x-proxy_protocol":
                    lines["loadBalancer.proxyProtocolToBackends"] = node.Line;
                    foreach (var (option, setting) in node.Entries())
                    {
                        draft = option switch
                        {
                            "send" => draft with { ProxyProtocolToBackends = setting.Boolean() },
                            "accept" => draft with { AcceptProxyProtocol = setting.Boolean() },
                            _ => Refused(setting, $"'{option}' is not a proxy protocol option (send, accept)", draft),
                        };
                    }
                    break;
                case "config":
                    node.Error("a custom HAProxy configuration is not supported: the platform renders it from the port rules");
                    break;
                default:
                    node.Error($"'lb_config.{key}' is not supported (port_rules, certs, default_cert, stickiness_policy, drain_timeout_ms, x-proxy_protocol)");
                    break;
            }
        }
        return draft;
    }

    private static PortRuleDraft? Rule(ComposeNode node, string field, Dictionary<string, int> lines)
    {
        lines[field] = node.Line;
        var rule = new PortRuleDraft();
        foreach (var (key, value) in node.Entries())
        {
            rule = key switch
            {
                "source_port" => rule with { SourcePort = value.Number(1, 65535) },
                "target_port" => rule with { TargetPort = value.Number(1, 65535) },
                "service" => rule with { Service = value.Text() },
                "protocol" => rule with { Protocol = value.Text() },
                "hostname" => rule with { Hostname = value.Text() },
                "path" => rule with { Path = value.Text() },
                "priority" => rule with { Priority = value.Number(0, 1000) },
                "x-acme" => rule with { Acme = value.Boolean() },
                _ => Refused(value, $"'{key}' is not supported in a port rule (source_port, target_port, service, protocol, hostname, path, priority, x-acme)", rule),
            };
        }
        return rule;
    }

    private static StickinessDraft Stickiness(ComposeNode node)
    {
        var draft = new StickinessDraft();
        foreach (var (key, value) in node.Entries())
        {
            draft = key switch
            {
                "cookie" => draft with { Cookie = value.Text() },
                "mode" => draft with { Mode = value.Text() },
                "indirect" => draft with { Indirect = value.Boolean() },
                "nocache" => draft with { NoCache = value.Boolean() },
                "postonly" => draft with { PostOnly = value.Boolean() },
                "domain" => draft with { Domain = value.Text() },
                "name" => Ignored(value, "the policy's name changes nothing", draft),
                _ => Refused(value, $"'{key}' is not a stickiness option (cookie, mode, indirect, nocache, postonly, domain)", draft),
            };
        }
        return draft;
    }

    private static T Refused<T>(ComposeNode node, string reason, T unchanged)
    {
        node.Error(reason);
        return unchanged;
    }

    private static T Ignored<T>(ComposeNode node, string reason, T unchanged)
    {
        node.Ignore(reason);
        return unchanged;
    }

    public static void Write(YamlMappingNode node, ServiceExport export)
    {
        if (export.Spec.Balancer is not { } balancer)
        {
            return;
        }
        var c = CultureInfo.InvariantCulture;
        var config = new YamlMappingNode();
        var rules = new YamlSequenceNode();
        foreach (var rule in balancer.Rules)
        {
            var written = new YamlMappingNode
            {
                { "source_port", rule.SourcePort.ToString(c) },
                { "target_port", rule.TargetPort.ToString(c) },
                { "service", rule.Service },
                { "protocol", rule.Protocol },
            };
            ComposeWriter.AddIf(written, "hostname", rule.Hostname);
            ComposeWriter.AddIf(written, "path", rule.Path);
            ComposeWriter.AddNumber(written, "priority", rule.Priority != 0 ? rule.Priority : null);
            ComposeWriter.AddTrue(written, "x-acme", rule.Acme);
            rules.Add(written);
        }
        config.Add("port_rules", rules);
        ComposeWriter.AddIf(config, "certs", balancer.Certificates.Count > 0 ? balancer.Certificates : null);
        ComposeWriter.AddIf(config, "default_cert", balancer.DefaultCertificate);
        if (balancer.Stickiness is { } sticky)
        {
            var policy = new YamlMappingNode { { "cookie", sticky.Cookie }, { "mode", sticky.Mode } };
            ComposeWriter.AddTrue(policy, "indirect", sticky.Indirect);
            ComposeWriter.AddTrue(policy, "nocache", sticky.NoCache);
            ComposeWriter.AddTrue(policy, "postonly", sticky.PostOnly);
            ComposeWriter.AddIf(policy, "domain", sticky.Domain);
            config.Add("stickiness_policy", policy);
        }
        ComposeWriter.AddNumber(config, "drain_timeout_ms", balancer.DrainTimeoutMs != BalancerDraft.DefaultDrainTimeoutMs ? balancer.DrainTimeoutMs : null);
        if (balancer.ProxyProtocolToBackends || balancer.AcceptProxyProtocol)
        {
            var proxy = new YamlMappingNode();
            ComposeWriter.AddTrue(proxy, "send", balancer.ProxyProtocolToBackends);
            ComposeWriter.AddTrue(proxy, "accept", balancer.AcceptProxyProtocol);
            config.Add("x-proxy_protocol", proxy);
        }
        node.Add("lb_config", config);
    }
}
