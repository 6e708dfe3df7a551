using HomeGateway.Gateway.Cli;

return await GatewayCli.InvokeAsync(args).ConfigureAwait(false);
