"""Infrastructure as code: terraform/tofu/terragrunt, pulumi, and the stack deployers (cdk, sam, serverless, eksctl)."""
