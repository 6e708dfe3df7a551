using HomeGateway.Gateway.Cli;

return await GatewayCli.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
